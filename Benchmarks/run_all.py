"""Runs the benchmark set and prints one table: each figure of this checkout
beside the same figure of a baseline commit measured in the same run (and
the official Python SDK's where there is one), so that a regression shows
as a ratio rather than as a guess about machine noise. Started by
Benchmarks/run-all.sh (see there for usage).

The baseline is built from a git commit (Benchmarks/BASELINE unless
--baseline says otherwise) in a detached worktree under the cache directory,
release build, kept between runs. It is measured with THIS checkout's
benchmark scripts (copied over its Benchmarks/ directory), its own library,
bindings and server: the same measurement of the old code. Each benchmark
runs on this checkout, then on the baseline, before the next one starts.
Each section calls the benchmark's own script and only reads its output.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SERVER_SCRATCH = os.path.join("server", ".build-release")
# Folders of Python helpers used by the benchmark scripts (only their .py files are copied).
BENCHMARK_HELPERS = [os.path.join("Tests", "support"), os.path.join("Tests", "TraceKitTestSupport")]


def log(message):
    print(message, file=sys.stderr, flush=True)


def run(command, cwd, env=None, timeout=1800):
    """Output (stdout) of command; stderr goes to the terminal. Fails loudly."""
    log(f"  $ {' '.join(command)}   (in {cwd})")
    result = subprocess.run(command, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                            text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} exited with {result.returncode}:\n{result.stdout[-2000:]}")
    return result.stdout


def number(pattern, text):
    match = re.search(pattern, text)
    if not match:
        raise RuntimeError(f"no match for {pattern!r} in:\n{text[-2000:]}")
    return float(match.group(1))


# --- the trees: this checkout and the baseline ----------------------------------

class Tree:
    def __init__(self, name, root):
        self.name = name
        self.root = root

    @property
    def prefix(self):
        return os.path.join(self.root, ".build", "stage")

    @property
    def library(self):
        return os.path.join(self.prefix, "lib", "libtracekit.so.0")

    def server_binary(self, product):
        return os.path.join(self.root, SERVER_SCRATCH, "release", product)

    def build_library(self):
        log(f"[{self.name}] release library (make install PREFIX=.build/stage) ...")
        run(["make", "-s", "install", f"PREFIX={self.prefix}"], self.root)

    def build_server(self, product):
        if not os.path.exists(self.server_binary(product)) or self.name == "this checkout":
            log(f"[{self.name}] release {product} ...")
            run(["swift", "build", "-c", "release", "--package-path", "server", "--scratch-path", SERVER_SCRATCH,
                 "--product", product], self.root, timeout=3600)


def baseline_tree(commit, cache):
    """The baseline's worktree (made once per commit), with this checkout's
    Benchmarks/ copied over its own."""
    resolved = run(["git", "rev-parse", "--verify", f"{commit}^{{commit}}"], ROOT).strip()
    path = os.path.join(cache, resolved[:12])
    if not os.path.isdir(path):
        os.makedirs(cache, exist_ok=True)
        run(["git", "worktree", "add", "--detach", path, resolved], ROOT)
    # Copied over (not replaced): its benchmark venvs stay between runs.
    shutil.copytree(HERE, os.path.join(path, "Benchmarks"), dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".venv-*", "__pycache__", "*.test"))
    # The Python helpers the benchmark scripts import or start (server
    # process, fake backend) may be newer than the baseline's.
    for helpers in BENCHMARK_HELPERS:
        shutil.copytree(os.path.join(ROOT, helpers), os.path.join(path, helpers), dirs_exist_ok=True,
                        ignore=lambda _, names: [n for n in names if not n.endswith(".py")])
    return Tree(f"baseline {resolved[:9]}", path)


# --- the sections: each runs one benchmark script in a tree ----------------------
# A figure: (name, value, unit, better), better = "lower" or "higher".

def sanitizer(tree, context):
    out = run(["bash", "Benchmarks/sanitize/run.sh", "10", "20000"], tree.root)
    return [("sanitizer, 1 MB document", number(r"= (\d+) MB/s", out), "MB/s", "higher"),
            ("sanitizer, 1 KB document (median)", number(r"median (\d+) ns", out) / 1000, "µs", "lower")]


def c_client(tree, context):
    out = run(["bash", "Benchmarks/client/run.sh"], tree.root, env={"TRACEKIT_SERVER_BIN": context["server"]})
    return [("C tk_site_active, inactive", number(r"tk_site_active \(inactive\): ([\d.]+) ns", out), "ns", "lower"),
            ("C tk_site_capture, 728 B (median)",
             number(r"tk_site_capture \(active, tracekit-server\).*median ([\d.]+) us", out), "µs", "lower"),
            ("C tk_site_capture, 728 B (p99)",
             number(r"tk_site_capture \(active, tracekit-server\).*p99 ([\d.]+) us", out), "µs", "lower"),
            ("C tk_site_claim, suppressed (budget)", number(r"tk_site_claim: ([\d.]+) ns suppressed", out), "ns",
             "lower")]


def c_instructions(tree, context):
    out = run(["sh", "Benchmarks/client/instructions.sh", "2000"], tree.root,
              env={"TRACEKIT_PREFIX": tree.prefix})
    names = {"active": "tk_site_active, inactive", "capture": "tk_site_capture, 728 B",
             "claim-max": "tk_site_claim, suppressed (max_captures)",
             "claim-budget": "tk_site_claim, suppressed (budget)"}
    return [(f"C {label} (callgrind)", number(rf"(?m)^{mode} \(.*\): (\d+) instructions", out), "instr", "lower")
            for mode, label in names.items()]


def background_cpu(tree, context):
    out = run(["bash", "Benchmarks/client/background_cpu.sh", "8"], tree.root,
              env={"TRACEKIT_SERVER_BIN": context["server"], "ROUNDS": "1"})
    return [("C capture at 100/s: library threads per capture", number(r"library threads (\d+) us", out), "µs",
             "lower"),
            ("C capture at 100/s: tracekit-server per capture", number(r"tracekit-server (\d+) us", out), "µs",
             "lower")]


def python_bindings(tree, context):
    out = run(["sh", "Benchmarks/python/run.sh"], tree.root,
              env={"TRACEKIT_LIBRARY": tree.library, "TRACEKIT_SERVER_BIN": context["server"]})
    results = json.loads(out[out.index("{"):])
    official, native = results["official"], results["native"]
    figures = [("Python inactive checkpoint (median)", native["inactive"]["median_us"], "µs", "lower",
                official["inactive"]["median_us"]),
               ("Python active capture (median)", native["active"]["median_us"], "µs", "lower",
                official["active"]["median_us"])]
    if "suppressed" in native:
        figures.append(("Python suppressed checkpoint (median)", native["suppressed"]["median_us"], "µs", "lower"))
    return figures


def ruby_bindings(tree, context):
    out = run(["ruby", "-I", "bindings/ruby/lib", "Benchmarks/ruby/bench.rb"], tree.root,
              env={"TRACEKIT_LIBRARY": tree.library, "TRACEKIT_SERVER_BIN": context["server"],
                   "BENCH_ACTIVE_COUNT": "2000", "BENCH_STALL_COUNT": "200"})
    results = json.loads(out[out.index("{"):])
    return [("Ruby inactive capture_snapshot (median)", results["inactive"]["median_us"], "µs", "lower"),
            ("Ruby active capture (median)", results["active"]["median_us"], "µs", "lower")]


def server_ingest(tree, context):
    tree.build_server("tracekit-server-bench")
    out = run([tree.server_binary("tracekit-server-bench"), "20000", "8", "10", "2"], tree.root)
    return [("server ingest, SQLite, 8 connections", number(r"= (\d+) captures/s", out), "captures/s", "higher")]


SECTIONS = {
    "sanitizer": sanitizer,
    "c": c_client,
    "c-instructions": c_instructions,
    "background": background_cpu,
    "python": python_bindings,
    "ruby": ruby_bindings,
    "server": server_ingest,
}


# --- the table -------------------------------------------------------------------

def ratio_text(now, before, better):
    if not before:
        return "—"
    ratio = now / before
    worse = ratio > 1.05 if better == "lower" else ratio < 0.95
    improved = ratio < 0.95 if better == "lower" else ratio > 1.05
    return f"{ratio:.2f}×" + (" worse" if worse else " better" if improved else "")


def value_text(value, unit):
    if value is None:
        return "—"
    digits = 0 if value >= 100 or unit == "instr" else 1 if value >= 10 else 2
    return f"{value:,.{digits}f} {unit}"


def table(rows, baseline_name):
    header = ["figure", "this checkout", baseline_name or "baseline", "this / baseline",
              "official tracekit-apm", "official / this"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        official = row.get("official")
        lines.append("| " + " | ".join([
            row["name"], value_text(row["now"], row["unit"]), value_text(row.get("before"), row["unit"]),
            ratio_text(row["now"], row.get("before"), row["better"]),
            value_text(official, row["unit"]),
            f"{official / row['now']:.1f}×" if official and row["now"] else "—"]) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(prog="Benchmarks/run-all.sh", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help=f"comma-separated sections of: {', '.join(SECTIONS)} (default: all)")
    parser.add_argument("--skip", default="", help="comma-separated sections to leave out")
    parser.add_argument("--baseline", help="commit to compare with (default: Benchmarks/BASELINE)")
    parser.add_argument("--no-baseline", action="store_true", help="measure this checkout only")
    parser.add_argument("--cache", default=os.path.join(ROOT, ".build", "bench-baseline"),
                        help="where baseline worktrees are kept (default: .build/bench-baseline)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    chosen = args.only.split(",") if args.only else list(SECTIONS)
    chosen = [name for name in chosen if name not in args.skip.split(",")]
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}")

    started = time.monotonic()
    trees = [Tree("this checkout", ROOT)]
    if not args.no_baseline:
        with open(os.path.join(HERE, "BASELINE")) as file:
            default = file.read().split()[0]
        trees.append(baseline_tree(args.baseline or default, args.cache))
    for tree in trees:
        tree.build_library()
    context = {"server": os.environ.get("TRACEKIT_SERVER_BIN") or trees[0].server_binary("tracekit-server")}
    if needs_server(chosen) and not os.environ.get("TRACEKIT_SERVER_BIN"):
        trees[0].build_server("tracekit-server")  # one server for every client-side benchmark

    rows, failures = [], []
    for name in chosen:
        measured = {}
        for tree in trees:
            log(f"[{tree.name}] {name} ...")
            try:
                measured[tree.name] = SECTIONS[name](tree, context)
            except (RuntimeError, subprocess.TimeoutExpired, KeyError, ValueError) as error:
                failures.append(f"{name} on {tree.name}: {error}")
                log(f"  failed: {error}")
        rows += merge(measured, trees)

    baseline_name = trees[1].name if len(trees) > 1 else None
    print(table(rows, baseline_name))
    load = os.getloadavg()
    print(f"\n{len(rows)} figures in {(time.monotonic() - started) / 60:.1f} min; load average now "
          f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} CPUs. Ratios: this / baseline "
          f"(\"better\"/\"worse\" beyond ±5 %); official / this: how many times the official SDK's figure.")
    for failure in failures:
        print(f"FAILED: {failure.splitlines()[0]}")
    if args.json:
        with open(args.json, "w") as file:
            json.dump({"rows": rows, "baseline": baseline_name, "load": load, "failures": failures}, file, indent=2)
    return 1 if failures else 0


def needs_server(sections):
    return any(name in sections for name in ("c", "background", "python", "ruby"))


def merge(measured, trees):
    """One row per figure: this checkout's value, the baseline's, the official SDK's."""
    now = measured.get(trees[0].name, [])
    before = {figure[0]: figure[1] for figure in measured.get(trees[1].name, [])} if len(trees) > 1 else {}
    rows = []
    for figure in now:
        name, value, unit, better = figure[:4]
        rows.append({"name": name, "now": value, "before": before.get(name), "unit": unit, "better": better,
                     "official": figure[4] if len(figure) > 4 else None})
    return rows


if __name__ == "__main__":
    sys.exit(main())
