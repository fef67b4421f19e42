#!/usr/bin/env python3
"""Writes tracekit-server(1) in roff to stdout, from the binary's own
`--experimental-dump-help` (swift-argument-parser's description of its
options), so the manual page lists exactly the options the binary has.

    scripts/manpage.py path/to/tracekit-server VERSION > tracekit-server.1
"""
import json
import subprocess
import sys

DESCRIPTION = """\
tracekit-server is a self-hosted backend for TraceKit code monitoring. It
speaks the TraceKit SDK protocol (breakpoint polling, server-sent events,
snapshots, auto-registration), stores breakpoints and snapshots in SQLite
(the default) or PostgreSQL, and serves a management API under /api/ and a
dashboard.
.PP
Every option can also be set by the TRACEKIT_SERVER_* environment variable
named next to it; an option on the command line wins over its variable."""

FILES = """\
.TP
.I /etc/default/tracekit-server
Settings of the systemd service (TRACEKIT_SERVER_* variables and extra
flags in TRACEKIT_SERVER_ARGS).
.TP
.I /var/lib/tracekit-server/tracekit.sqlite
The SQLite database of the systemd service."""


def roff(text):
    """Escapes text for roff: backslashes, and a leading dot or quote."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text[:1] in (".", "'") else text


def option_heading(argument):
    names = ", ".join(("--" if n["kind"] == "long" else "-") + n["name"] for n in argument.get("names", []))
    if argument["kind"] == "option":
        names += " <" + argument.get("valueName", "value") + ">"
    return roff(names)


def options_section(arguments):
    lines = []
    for argument in arguments:
        if not argument.get("shouldDisplay", True):
            continue
        lines += [".TP", "\\fB" + option_heading(argument) + "\\fR", roff(argument.get("abstract", ""))]
    return lines


def main(binary, version):
    command = json.loads(subprocess.run([binary, "--experimental-dump-help"], check=True, capture_output=True,
                                        text=True).stdout)["command"]
    subcommands = [c for c in command.get("subcommands", []) if c["commandName"] != "help"]
    page = [f'.TH TRACEKIT-SERVER 1 "" "tracekit-server {version}" "User Commands"',
            ".SH NAME", "tracekit-server \\- " + roff(command.get("abstract", "")),
            ".SH SYNOPSIS", "\\fBtracekit-server\\fR [\\fIoptions\\fR] [\\fIsubcommand\\fR]",
            ".SH DESCRIPTION", DESCRIPTION,
            ".SH OPTIONS", *options_section(command["arguments"])]
    if subcommands:
        page.append(".SH SUBCOMMANDS")
        for sub in subcommands:
            page += [".TP", "\\fB" + roff(sub["commandName"]) + "\\fR", roff(sub.get("abstract", ""))]
    page += [".SH FILES", FILES,
             ".SH SEE ALSO", "/usr/share/doc/tracekit-server/README.md"]
    print("\n".join(page))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
