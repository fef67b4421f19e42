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
  # Each exported symbol is name@@version-node: only tk_* names, all under TRACEKIT_<major>.<minor>.
  local symbols; symbols=$(nm -D --defined-only "$so" | awk '{print $3}')
  local others; others=$(echo "$symbols" | grep -v '^tk_' || true)
  local unversioned; unversioned=$(echo "$symbols" | grep '^tk_' | grep -v '@@TRACEKIT_[0-9]*\.[0-9]*$' || true)
  local soname; soname=$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
  local count; count=$(echo "$symbols" | grep -c '^tk_')
  # NODELETE: dlclose() must not unmap code that the library's threads still run.
  local nodelete=no; readelf -d "$so" | grep -q 'Flags:.*NODELETE' && nodelete=yes
  echo "exports: $count tk_* functions; other symbols: ${others:-none}; without a TRACEKIT_x.y version: ${unversioned:-none}; SONAME: $soname; NODELETE: $nodelete"
  [ -z "$others" ] && [ -z "$unversioned" ] && [ "$soname" = libtracekit.so.0 ] && [ "$count" -gt 0 ] && [ "$nodelete" = yes ]
}

# The version is defined once (VERSION); every manifest, the header and the bindings agree with it.
version_is_defined_once() {
  python3 scripts/version.py check
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

# The same server suite on PostgreSQL: a throwaway cluster on a free loopback
# port (scripts/pg-cluster.sh), one database per test. The cluster is stopped
# when the suite ends, and by the EXIT trap if the run is interrupted.
PG_CLUSTER_DIR=
stop_pg_cluster() {
  [ -n "$PG_CLUSTER_DIR" ] || return 0
  scripts/pg-cluster.sh stop "$PG_CLUSTER_DIR/cluster"
  rm -rf "$PG_CLUSTER_DIR"
  PG_CLUSTER_DIR=
}
trap stop_pg_cluster EXIT
server_tests_on_postgres() {
  PG_CLUSTER_DIR=$(mktemp -d)
  chmod 755 "$PG_CLUSTER_DIR"   # the cluster runs as an unprivileged user when we are root
  local url status
  url=$(scripts/pg-cluster.sh start "$PG_CLUSTER_DIR/cluster") || { stop_pg_cluster; return 1; }
  TRACEKIT_TEST_DATABASE_URL=$url swift_tests --package-path server --scratch-path "$SERVER_SCRATCH"
  status=$?
  stop_pg_cluster
  return "$status"
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

# node --test on the given files, TAP summary kept, per-test lines left out
# (the whole log on failure); "no tests" fails. Express comes from Debian's
# node-express, under /usr/share/nodejs.
node_tests() {
  local log; log=$(mktemp)
  NODE_PATH=/usr/share/nodejs node --test --test-timeout=120000 "$@" >"$log" 2>&1
  local status=$?
  if [ "$status" -ne 0 ]; then cat "$log"; else grep -E "^# (tests|suites|pass|fail|cancelled|skipped|duration_ms) " "$log"; fi
  grep -qE "^# pass [1-9]" "$log" && grep -qE "^# fail 0$" "$log" || status=1
  rm -f "$log"
  return "$status"
}

node_binding_tests() {
  bindings/node/build.sh && node_tests bindings/node/test/*.test.js
}

# The example service against a real tracekit-server (bindings/node/test/server.js).
node_example_end_to_end() {
  node_tests examples/node/*.test.js
}

# What `npm pack` makes installs offline (its install script builds the
# addon) and loads.
node_package() {
  local dir; dir=$(mktemp -d)
  (cd bindings/node && npm pack --offline --silent --pack-destination "$dir" >/dev/null) &&
  (cd "$dir" && echo '{"name":"pack-check","private":true}' >package.json &&
    npm install --offline --no-audit --no-fund --silent ./tracekit-native-*.tgz &&
    node -e "const t = require('tracekit-native'); console.log('npm pack: ' + require('tracekit-native/package.json').name + ' ' + require('tracekit-native/package.json').version + ' installs and loads libtracekit ' + t.libraryVersion())")
  local status=$?
  rm -rf "$dir"
  return "$status"
}

# Tests/repo: no tracked file holds a machine-specific path; every binding's
# declarations of the C API match include/tracekit.h and the installed .so.
repository_checks() {
  python3 -m pytest -q Tests/repo
}

# The library's Swift tests under sanitizers, each in its own scratch path
# (.build-* is ignored by git). Swift has no -sanitize=undefined on Linux
# (Swift code traps on overflow itself): UBSan covers the C targets. Leaks the
# toolchain's libraries keep until exit are suppressed (build-support/lsan.supp).
ubsan_flags=(-Xcc -fsanitize=undefined -Xswiftc -Xclang-linker -Xswiftc -fsanitize=undefined)
# Tests that assert wall-clock budgets measure the sanitizer's slowdown (2-15x)
# rather than the code: they run in the plain suite only.
wall_clock_budget_tests='ClientConcurrencyTests|stalledBackendDoesNotSlowCapture|backendGoesAway|backendNeverUp'
wall_clock_budget_tests+='|callsAfterShutdown|shutdownBoundedByTimeout|totalTimeout|connectionRefused|idleTimeout'
wall_clock_budget_tests+='|aMultiMegabyteStringIsScannedOnlyAroundTheCap|severalInFlight|concurrentTransfers'
sanitized_swift_tests() {
  SWIFT_BACKTRACE=enable=no LSAN_OPTIONS=suppressions=$ROOT/build-support/lsan.supp \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 TSAN_OPTIONS=halt_on_error=1 swift_tests "$@"
}

# Each libFuzzer target (fuzz/run.sh, AddressSanitizer) replays its committed
# corpus, then fuzzes for FUZZ_SECONDS; a crash, leak or timeout fails.
fuzz_corpora() {
  local name log status=0
  for name in sanitize condition event_stream; do
    log=$(mktemp)
    local ok=1 corpus runs
    fuzz/run.sh "$name" 1000000000 -max_total_time="${FUZZ_SECONDS:-20}" >"$log" 2>&1 || ok=0
    corpus=$(find "fuzz/corpus/$name" -type f | wc -l)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    [ "${runs:-0}" -ge "$corpus" ] || ok=0
    echo "fuzz $name: ${runs:-0} executions (corpus: $corpus inputs); $(grep -m1 '^Done' "$log" || echo 'did not finish')"
    if [ "$ok" = 0 ]; then status=1; tail -30 "$log"; fi
    rm -f "$log"
  done
  return "$status"
}

# Go: the binding (bindings/go) with the race detector, the example service
# end to end against tracekit-server (examples/go), and the benchmarks vetted.
# Standard library only, nothing downloaded. Prints go test's package lines
# and a count of the tests; "no tests" fails.
go_tests() {
  local log; log=$(mktemp)
  (
    export GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=1
    # Go's build cache does not notice a changed tracekit.h or .pc file (the
    # C side of cgo): one cache per version of the two.
    GOCACHE=$ROOT/.build/go-cache-$(cat "$STAGE/include/tracekit.h" "$PKG_CONFIG_PATH/tracekit.pc" | sha256sum | cut -c1-16)
    export GOCACHE
    unformatted=$(gofmt -l bindings/go examples/go Benchmarks/go)
    [ -z "$unformatted" ] || { echo "not gofmt-formatted: $unformatted"; exit 1; }
    for module in bindings/go examples/go Benchmarks/go; do
      (cd "$module" && go vet ./...) || exit 1
    done
    status=0
    for module in bindings/go examples/go; do
      (cd "$module" && go test -race -count=1 -v ./...) || status=1
    done
    exit "$status"
  ) >"$log" 2>&1
  local status=$?
  grep -vE "^(=== (RUN|PAUSE|CONT)|--- PASS|PASS$|    --- PASS)" "$log"
  local passed failed
  passed=$(grep -cE "^ *--- PASS" "$log"); failed=$(grep -cE "^ *--- FAIL" "$log")
  echo "go test -race: $passed passed, $failed failed"
  rm -f "$log"
  [ "$status" -eq 0 ] && [ "$passed" -gt 0 ] && [ "$failed" -eq 0 ]
}

# Runs a test runner; fails when the summary is missing
# or counts no tests. expect_summary REGEX COMMAND...
expect_summary() {
  local pattern=$1; shift
  local log; log=$(mktemp)
  "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  grep -qE "$pattern" "$log" || status=1
  rm -f "$log"
  return "$status"
}

php_binding_tests() {
  (cd bindings/php && expect_summary '^OK \([1-9][0-9]* tests?' phpunit)
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

# make dist's artifacts, each installed somewhere clean and used (Tests/dist), and
# lintian on the .debs. The test command packages a debug build of the server
# (static Swift runtime, dashboard embedded) instead of a release one, which
# takes much longer to compile; `make dist` itself builds release.
release_artifacts() {
  local log=$ROOT/.build/dist.log
  TRACEKIT_DIST_SERVER_BUILD=debug bash scripts/dist.sh >"$log" 2>&1 || { tail -40 "$log"; return 1; }
  ls -l dist | tail -n +2
  lintian_debs && TRACEKIT_DIST=$ROOT/dist python3 -m pytest -q Tests/dist
}

# lintian's errors fail the suite; its warnings are printed.
lintian_debs() {
  local report; report=$(lintian --tag-display-limit 0 dist/*.deb 2>&1)
  echo "${report:-lintian: no tags}"
  ! echo "$report" | grep -q '^E: '
}

# The server first: the Swift module's suite and the bindings test against it.
suite "build tracekit-server" build_server
suite "Swift tests (TraceKitCore, TraceKit)" swift_tests
suite "install libtracekit (PREFIX=$STAGE)" install_library
suite "libtracekit.so exports and SONAME" library_exports_only_the_c_api
suite "one version everywhere (VERSION)" version_is_defined_once
suite "C ABI tests (pkg-config)" c_tests
suite "tracekit.h from C99 and C++17, CMake" bindings/c/compile_test.sh
suite "Python ctypes smoke test" python_smoke_tests
suite "Python ctypes after make install to /usr/local" python_finds_system_install
suite "tracekit-server Swift tests" swift_tests --package-path server --scratch-path "$SERVER_SCRATCH"
suite "tracekit-server Swift tests on PostgreSQL" server_tests_on_postgres
suite "tracekit-server: two instances on one PostgreSQL (pytest)" server/Tests/multi-instance/run.sh
suite "tracekit-server compatibility (official Python SDK, schemathesis, libtracekit end to end)" \
  server/Tests/compat/run.sh
suite "dashboard in headless Chromium (selenium)" server/Tests/browser/run.sh
suite "Ruby binding (minitest)" ruby_tests
suite "Python binding (pytest)" python_binding_tests
suite "Node.js binding (node --test)" node_binding_tests
suite "Node.js example end to end (node --test)" node_example_end_to_end
suite "Node.js package (npm pack, offline install)" node_package
suite "repository: no machine paths; bindings' C declarations match tracekit.h and the .so" repository_checks
suite "Go binding and example end to end (go test -race)" go_tests
suite "PHP binding (PHPUnit; example service end to end under php -S and PHP-FPM)" php_binding_tests
suite "Java binding (JUnit 5, example service end to end)" \
  expect_summary '\[ +[1-9][0-9]* tests successful +\]' bindings/java/build.sh
suite "Swift tests under AddressSanitizer + UBSan (C targets)" sanitized_swift_tests \
  --sanitize=address "${ubsan_flags[@]}" --scratch-path "$ROOT/.build-asan" --skip "$wall_clock_budget_tests"
# ThreadSanitizer where the threads are: the capture client and the HTTP session.
suite "Swift tests under ThreadSanitizer (client, HTTP session)" sanitized_swift_tests \
  --sanitize=thread --scratch-path "$ROOT/.build-tsan" --filter '\.Client|HTTPSession' --skip "$wall_clock_budget_tests"
suite "fuzzers over their committed corpora (libFuzzer + ASan)" fuzz_corpora
suite "tracekit-server adversarial (pytest, loopback)" server/Tests/adversarial/run.sh
suite "release artifacts (make dist), each installed somewhere clean and used" release_artifacts
suite "examples build" examples_build

echo
if [ ${#failures[@]} -gt 0 ]; then printf 'failed suite: %s\n' "${failures[@]}"; fi
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
