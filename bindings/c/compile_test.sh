#!/bin/sh
# Compile test of the C API for C and C++ users:
#   1. tracekit.h under -std=c99 -Wall -Wextra -Werror -pedantic (gcc, and clang if present)
#   2. tracekit.h as C++17 (-Wall -Wextra -Werror -pedantic), through extern "C"
#   3. example.cpp (C++17) linked with `pkg-config --libs tracekit`, then run
#   4. the README's C quick start, as written
#   5. the CMake example through find_package(tracekit) (the installed package config)
# Needs libtracekit installed where pkg-config finds it, e.g.
#   make install PREFIX=$PWD/.build/stage
#   PKG_CONFIG_PATH=$PWD/.build/stage/lib/pkgconfig bindings/c/compile_test.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if ! pkg-config --exists tracekit; then
  echo "FAIL: pkg-config does not find tracekit (set PKG_CONFIG_PATH to <prefix>/lib/pkgconfig)" >&2
  exit 1
fi
cflags=$(pkg-config --cflags tracekit)
libs=$(pkg-config --libs tracekit)
strict="-Wall -Wextra -Werror -pedantic"
echo "using tracekit $(pkg-config --modversion tracekit): $cflags"

step() { printf '%-58s' "$1"; }

step "header, C99, gcc"
gcc -std=c99 $strict $cflags -c "$here/header_c99.c" -o "$out/c99.o" && echo ok
if command -v clang >/dev/null 2>&1; then
  step "header, C99, clang"
  clang -std=c99 $strict $cflags -c "$here/header_c99.c" -o "$out/c99-clang.o" && echo ok
fi

step "header, C++17, g++ (extern \"C\" linkage)"
printf '#include <tracekit.h>\nextern "C" const char *(*const probe)(void) = tk_version;\n' > "$out/header.cpp"
g++ -std=c++17 $strict $cflags -c "$out/header.cpp" -o "$out/header.o"
# The symbol must be unmangled: C linkage, not a C++ overload.
nm "$out/header.o" | grep -q ' U tk_version$' && echo ok

step "example.cpp, C++17, linked and run"
g++ -std=c++17 $strict $cflags "$here/example.cpp" -o "$out/example" $libs
"$out/example" > "$out/example.log"
grep -q '"email":"\[REDACTED:email\]"' "$out/example.log" && grep -q 'order_id > 1000: true' "$out/example.log" && echo ok

step "README's C quick start, compiled as written and run"
# The first ```c block after "## C quick start" in the README, byte for byte.
sed -n '/^## C quick start/,/^```$/p' "$here/../../README.md" | sed -e '1,/^```c$/d' -e '/^```$/,$d' > "$out/quickstart.c"
gcc -std=c99 $strict $cflags "$out/quickstart.c" -o "$out/quickstart" $libs
"$out/quickstart" && echo ok

if command -v cmake >/dev/null 2>&1; then
  # CMAKE_PREFIX_PATH from pkg-config's prefix: where `make install` put the CMake package config.
  step "CMakeLists.txt (find_package(tracekit)), built and run"
  cmake -S "$here" -B "$out/cmake" -DCMAKE_PREFIX_PATH="$(pkg-config --variable=prefix tracekit)" >"$out/cmake.log" 2>&1 && cmake --build "$out/cmake" >>"$out/cmake.log" 2>&1 \
    && "$out/cmake/tracekit_example" >/dev/null && echo ok || { echo FAIL; cat "$out/cmake.log"; exit 1; }
else
  echo "CMake example skipped: cmake not installed (apt-get install cmake)"
fi

echo "compile test: all passed"
