#!/bin/sh
# The whole benchmark set in one command, one table: each figure of this
# checkout beside the same figure of the baseline commit (Benchmarks/BASELINE,
# built once into .build/bench-baseline/<commit> with `git worktree add`) and,
# for Python, the official tracekit-apm's, all from the same run.
#
#   Benchmarks/run-all.sh                          everything (~10 min once built)
#   Benchmarks/run-all.sh --only sanitizer,c       a subset: sanitizer, c,
#                                                  c-instructions, background, python, ruby, server
#   Benchmarks/run-all.sh --baseline <commit>      another baseline; --no-baseline: none
#   Benchmarks/run-all.sh --json figures.json      the figures as JSON too
#
# TRACEKIT_SERVER_BIN: the tracekit-server the client-side benchmarks talk
# to (default: this checkout's release build, built if missing). The first
# run builds the baseline (library, and the server for `server`): allow
# 20-30 minutes on 2 cores.
exec python3 "$(dirname "$0")/run_all.py" "$@"
