"""No tracked file holds a path that exists only on one machine.

A path such as /work/<checkout>/..., /root/..., /home/<user>/...,
/Users/<user>/... or /tmp/<name> works where it was written and nowhere
else: tests, scripts and docs must use paths relative to the repository or
variables (STAGE, TRACEKIT_SERVER_BIN, $HOME, mktemp). Deliberate system
paths (/usr/local, /etc/..., a bare /tmp) are fine.
"""
import pathlib
import re
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

# An absolute path (not a URL's path nor part of a longer word or path) into
# a machine's own folders, with at least one named component after them.
MACHINE_PATH = re.compile(r"(?<![\w.~$-])/(?:work|root|home|Users|tmp)/[\w.-]")
SKIPPED_SUFFIXES = (".png",)
THIS_FILE = "Tests/repo/test_machine_paths.py"  # its samples are deliberate


def tracked_files():
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
    return [name for name in listing.decode().split("\0") if name and name != THIS_FILE and not name.endswith(SKIPPED_SUFFIXES)]


def machine_paths(text):
    """(line number, line) of each line holding a machine-specific path."""
    return [(number, line.strip()) for number, line in enumerate(text.splitlines(), 1) if MACHINE_PATH.search(line)]


@pytest.mark.parametrize("line", [
    "TRACEKIT_SERVER_BIN=/work/wt-server/server/.build/debug/tracekit-server",
    '"/root/.cache/tracekit"',
    "cd /home/alice/src && make",
    "open('/tmp/tracekit-test.sqlite')",
    "see /Users/bob/Downloads/log.txt",
    "file:///work/main/README.md",
])
def test_rule_flags_machine_paths(line):
    assert machine_paths(line), line


@pytest.mark.parametrize("line", [
    "make install PREFIX=/usr/local",
    "a temporary folder under /tmp or $TMPDIR",
    "cd /tmp && ls",
    "https://example.com/home/index.html",
    "server/.build/debug/tracekit-server",
    "$HOME/work/tracekit",
    "~/work/notes.md",
    "./work/output",
    "/etc/ld.so.conf.d/tracekit.conf",
])
def test_rule_allows_deliberate_paths(line):
    assert not machine_paths(line), line


def test_no_tracked_file_holds_a_machine_specific_path():
    files = tracked_files()
    assert len(files) > 100, "git ls-files listed too few files: not a checkout?"
    offenders = []
    for name in files:
        path = ROOT / name
        if not path.is_file():
            continue  # deleted in the working tree, or a submodule
        data = path.read_bytes()
        if b"\0" in data:
            continue  # binary
        offenders += [f"{name}:{number}: {line}" for number, line in machine_paths(data.decode("utf-8", "replace"))]
    assert not offenders, "machine-specific absolute paths:\n" + "\n".join(offenders)
