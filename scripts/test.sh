#!/usr/bin/env bash
# Runs every test of TraceKit Native. Installs what it needs first.
# Each suite prints its runner's summary; the last line counts the suites.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STAGE=$ROOT/.build/stage            # a private install prefix, as a user's PREFIX
SERVER_SCRATCH=$ROOT/server/.build
export PKG_CONFIG_PATH=$STAGE/lib/pkgconfig
export TRACEKIT_LIBRARY=$STAGE/lib/libtracekit.so.0 TRACEKIT_LIB_DIR=$STAGE/lib
export TRACEKIT_SERVER_BIN=$SERVER_SCRATCH/debug/tracekit-server

bash scripts/install-deps.sh || { echo "dependency installation failed"; exit 1; }

passed=0 failed=0 failures=()
suite() {  # suite NAME COMMAND...: runs one suite, records its outcome
  local name=$1; shift
  echo
  echo "==> $name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$name"); fi
}

# swift test, with its summary kept and per-test lines left out; "no tests" fails.
swift_tests() {
  local log; log=$(mktemp)
  swift test "$@" 2>&1 | tee "$log" | grep -vE "^(◇|↳|✔ Test [^ ]+\(|✔ Test \"|\[[0-9]+/[0-9]+\])"
  local status=${PIPESTATUS[0]}
  grep -qE "Test run with [1-9][0-9]* tests? .*passed" "$log" || status=1
  rm -f "$log"
  return "$status"
}

install_library() {
  make -s install PREFIX="$STAGE" >/dev/null
}

library_exports_only_the_c_api() {
  local so=$STAGE/lib/libtracekit.so.0
  local others; others=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^tk_' || true)
  local soname; soname=$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
  local count; count=$(nm -D --defined-only "$so" | grep -c ' T tk_')
  echo "exports: $count tk_* functions; other symbols: ${others:-none}; SONAME: $soname"
  [ -z "$others" ] && [ "$soname" = libtracekit.so.0 ] && [ "$count" -gt 0 ]
}

c_tests() {
  local bin; bin=$(mktemp -d)
  local status=0
  for test in Tests/c/test_*.c; do
    # Built exactly as a C user builds: installed header + pkg-config.
    gcc -std=c99 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -o "$bin/$(basename "$test" .c)" "$test" \
      $(pkg-config --cflags --libs tracekit) -lpthread || { status=1; continue; }
    "$bin/$(basename "$test" .c)" || status=1
  done
  rm -rf "$bin"
  return "$status"
}

python_smoke_tests() {
  python3 -m pytest -q Tests/python
}

# What README's install step promises: after `make install` (PREFIX=/usr/local)
# ctypes finds the library by its SONAME, no LD_LIBRARY_PATH. Root only (CI is).
python_finds_system_install() {
  if [ "$(id -u)" != 0 ]; then echo "skipped: not root"; return 0; fi
  make -s install >/dev/null && env -u LD_LIBRARY_PATH -u TRACEKIT_LIBRARY python3 -m pytest -q Tests/python
}

build_server() {
  swift build --package-path server --scratch-path "$SERVER_SCRATCH" --product tracekit-server 2>&1 | tail -3
  [ -x "$TRACEKIT_SERVER_BIN" ]
}

ruby_tests() {
  (cd bindings/ruby && ruby -Ilib -Itest test/run_all.rb)
}

python_binding_tests() {
  python3 -m pytest -q bindings/python/tests
}

examples_build() {
  for example in examples/c/*.c; do
    gcc -std=c99 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -o "$STAGE/$(basename "$example" .c)" "$example" \
      $(pkg-config --cflags --libs tracekit) || return 1
  done
  "$STAGE/sanitize_demo" | grep -q '\[REDACTED:email\]' && echo "examples/c: built, sanitize_demo redacts" &&
  swift build --package-path examples/swift --scratch-path "$ROOT/examples/swift/.build" 2>&1 | tail -1 &&
  ruby -c examples/ruby/checkout_service.rb && python3 -m py_compile examples/python/checkout_service.py &&
  echo "examples: C, Swift built; Ruby, Python syntax ok"
}

# The server first: the Swift module's suite and the bindings test against it.
suite "build tracekit-server" build_server
suite "Swift tests (TraceKitCore, TraceKit)" swift_tests
suite "install libtracekit (PREFIX=$STAGE)" install_library
suite "libtracekit.so exports and SONAME" library_exports_only_the_c_api
suite "C ABI tests (pkg-config)" c_tests
suite "tracekit.h from C99 and C++17, CMake" bindings/c/compile_test.sh
suite "Python ctypes smoke test" python_smoke_tests
suite "Python ctypes after make install to /usr/local" python_finds_system_install
suite "tracekit-server Swift tests" swift_tests --package-path server --scratch-path "$SERVER_SCRATCH"
suite "tracekit-server compatibility (official Python SDK, schemathesis, libtracekit end to end)" \
  server/Tests/compat/run.sh
suite "dashboard in headless Chromium (selenium)" server/Tests/browser/run.sh
suite "Ruby binding (minitest)" ruby_tests
suite "Python binding (pytest)" python_binding_tests
suite "tracekit-server adversarial (pytest, loopback)" server/Tests/adversarial/run.sh
suite "examples build" examples_build

echo
if [ ${#failures[@]} -gt 0 ]; then printf 'failed suite: %s\n' "${failures[@]}"; fi
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
