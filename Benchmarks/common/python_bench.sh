# Sourced by the Python benchmarks' run.sh (POSIX sh; they set HERE to their
# folder and ROOT to the repository first): the library (TRACEKIT_LIBRARY,
# default .build/stage/lib/libtracekit.so.0, built with `make install
# PREFIX=$ROOT/.build/stage` if missing), the server (TRACEKIT_SERVER_BIN,
# default the debug build scripts/test.sh makes) and the benchmark's venv.
: "${TRACEKIT_LIBRARY:=$ROOT/.build/stage/lib/libtracekit.so.0}"
: "${TRACEKIT_SERVER_BIN:=$ROOT/server/.build/debug/tracekit-server}"
export TRACEKIT_LIBRARY

if [ ! -e "$TRACEKIT_LIBRARY" ]; then
  echo "building libtracekit (make install PREFIX=$ROOT/.build/stage) ..." >&2
  make -C "$ROOT" install PREFIX="$ROOT/.build/stage" >&2
fi
[ -x "$TRACEKIT_SERVER_BIN" ] || { echo "tracekit-server not found at $TRACEKIT_SERVER_BIN (set TRACEKIT_SERVER_BIN)" >&2; exit 1; }

# bench_venv DIR: a venv with $HERE/requirements.txt, created on the first run.
bench_venv() {
  if [ ! -x "$1/bin/python" ]; then
    echo "creating $1 with the pins of $HERE/requirements.txt ..." >&2
    python3 -m venv "$1"
    "$1/bin/pip" install -q -r "$HERE/requirements.txt"
  fi
}
