#!/usr/bin/env bash
# Runs every test of TraceKit Native. Installs what it needs first.
# Each suite prints its runner's summary; the last line counts the suites.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STAGE=$ROOT/.build/stage            # a private install prefix, as a user's PREFIX
export PKG_CONFIG_PATH=$STAGE/lib/pkgconfig

bash scripts/install-deps.sh || { echo "dependency installation failed"; exit 1; }

passed=0 failed=0 failures=()
suite() {  # suite NAME COMMAND...: runs one suite, records its outcome
  local name=$1; shift
  echo
  echo "==> $name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$name"); fi
}

swift_core_tests() {
  local log; log=$(mktemp)
  swift test 2>&1 | tee "$log" | grep -vE "^(◇|↳|✔ Test [^ ]+\(|\[[0-9]+/[0-9]+\])"
  local status=${PIPESTATUS[0]}
  # "no tests" is a failure, not a pass.
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

header_compiles_as_c99_and_cxx17() {
  echo '#include <tracekit.h>
int main(void) { return tk_version() == 0; }' > "$STAGE/header_check.c"
  gcc -std=c99 -Wall -Wextra -Werror -pedantic $(pkg-config --cflags tracekit) -c "$STAGE/header_check.c" -o /dev/null &&
  g++ -std=c++17 -Wall -Wextra -Werror -pedantic -x c++ $(pkg-config --cflags tracekit) -c "$STAGE/header_check.c" -o /dev/null &&
  echo "tracekit.h compiles as C99 and C++17 with -Wall -Wextra -Werror -pedantic"
}

python_tests() {
  TRACEKIT_LIBRARY=$STAGE/lib/libtracekit.so.0 python3 -m pytest -q Tests/python
}

# What README's install step promises: after `make install` (PREFIX=/usr/local)
# ctypes finds the library by its SONAME, no LD_LIBRARY_PATH. Root only (CI is).
python_finds_system_install() {
  if [ "$(id -u)" != 0 ]; then echo "skipped: not root"; return 0; fi
  make -s install >/dev/null && env -u LD_LIBRARY_PATH -u TRACEKIT_LIBRARY python3 -m pytest -q Tests/python
}

suite "Swift tests (TraceKitCore)" swift_core_tests
suite "install libtracekit (PREFIX=$STAGE)" install_library
suite "libtracekit.so exports and SONAME" library_exports_only_the_c_api
suite "C ABI tests (pkg-config)" c_tests
suite "tracekit.h as C99 and C++17" header_compiles_as_c99_and_cxx17
suite "Python ctypes smoke test" python_tests
suite "Python ctypes after make install to /usr/local" python_finds_system_install

echo
if [ ${#failures[@]} -gt 0 ]; then printf 'failed suite: %s\n' "${failures[@]}"; fi
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
