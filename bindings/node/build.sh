#!/bin/sh
# Builds build/tracekit_node.node, the Node-API addon, with the C compiler
# against the installed libtracekit (found by pkg-config: set PKG_CONFIG_PATH
# for a private PREFIX). Needs no network: the Node.js headers are the ones
# installed with node (<prefix>/include/node), or NODE_INCLUDE_DIR.
set -eu
cd "$(dirname "$0")"
CC=${CC:-cc}
NODE_INCLUDE_DIR=${NODE_INCLUDE_DIR:-$(node -p "require('path').resolve(process.execPath, '../../include/node')")}
[ -f "$NODE_INCLUDE_DIR/node_api.h" ] || { echo "build.sh: node_api.h not found in $NODE_INCLUDE_DIR (set NODE_INCLUDE_DIR)" >&2; exit 1; }
pkg-config --exists tracekit || { echo "build.sh: pkg-config does not find tracekit (set PKG_CONFIG_PATH)" >&2; exit 1; }
mkdir -p build
# The RUNPATH names libtracekit's directory, so a private PREFIX needs no
# LD_LIBRARY_PATH.
$CC -std=c11 -O2 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden -D_POSIX_C_SOURCE=200809L \
  -I"$NODE_INCLUDE_DIR" src/tracekit_node.c -o build/tracekit_node.node \
  $(pkg-config --cflags --libs tracekit) -Wl,-rpath,"$(pkg-config --variable=libdir tracekit)" -lpthread
echo "built build/tracekit_node.node"
