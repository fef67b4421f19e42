#!/usr/bin/env python3
"""The project's version is defined once, in the file VERSION at the root.

    scripts/version.py check   every place that carries the version agrees with VERSION (the test command runs it)
    scripts/version.py apply   writes VERSION's value into every place (run after editing VERSION)

A place is a file and a pattern whose groups surround the version; places in
files that do not exist yet (bindings being added) are skipped.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEMVER = r"[0-9]+\.[0-9]+\.[0-9]+"

# (file, regex with groups (prefix)(version)(suffix)); the version group is replaced.
PLACES = [
    ("Sources/TraceKitCore/Version.swift", rf'(static let string = ")({SEMVER})(")'),
    ("Sources/TraceKitC/Status.swift", rf'(staticCString\(")({SEMVER})("\))'),
    ("bindings/python/pyproject.toml", rf'(^version = ")({SEMVER})(")'),
    ("bindings/python/tracekit_native/__init__.py", rf'(__version__ = ")({SEMVER})(")'),
    ("bindings/ruby/lib/tracekit_native/version.rb", rf'(VERSION = ")({SEMVER})(")'),
    ("server/Scripts/openapi_source.py", rf'("version": ")({SEMVER})(")'),
    ("server/openapi.json", rf'(^    "version": ")({SEMVER})(")'),
    ("server/Sources/TraceKitServer/OpenAPIDocument.swift", rf'(^    "version": ")({SEMVER})(")'),
    ("bindings/node/package.json", rf'(^  "version": ")({SEMVER})(")'),
    ("bindings/php/composer.json", rf'(^    "version": ")({SEMVER})(")'),
    ("bindings/java/VERSION", rf'(^)({SEMVER})($)'),
    ("bindings/go/tracekit/version.go", rf'(Version = ")({SEMVER})(")'),
]

# The header's three macros are one place each.
HEADER = "include/tracekit.h"
HEADER_MACROS = ("MAJOR", "MINOR", "PATCH")


def read_version():
    text = (ROOT / "VERSION").read_text().strip()
    if not re.fullmatch(SEMVER, text):
        sys.exit(f"VERSION holds {text!r}, not MAJOR.MINOR.PATCH")
    return text


def header_version(text):
    parts = []
    for macro in HEADER_MACROS:
        found = re.search(rf"^#define TK_VERSION_{macro} ([0-9]+)$", text, re.M)
        parts.append(found.group(1) if found else "?")
    return ".".join(parts)


def check(version):
    wrong = []
    checked = 2  # the header and CHANGELOG.md
    header = (ROOT / HEADER).read_text()
    if header_version(header) != version:
        wrong.append(f"{HEADER}: TK_VERSION_* say {header_version(header)}")
    for path, pattern in PLACES:
        file = ROOT / path
        if not file.exists():
            continue
        checked += 1
        found = [m.group(2) for m in re.finditer(pattern, file.read_text(), re.M)]
        if found != [version]:
            wrong.append(f"{path}: {found or 'no version found'}")
    changelog = (ROOT / "CHANGELOG.md").read_text()
    if not re.search(rf"^## \[?{re.escape(version)}\]?", changelog, re.M):
        wrong.append(f"CHANGELOG.md: no '## {version}' section")
    for line in wrong:
        print(f"version mismatch (VERSION is {version}): {line}")
    print(f"version {version}: {checked} places checked, {len(wrong)} wrong")
    return not wrong


def apply(version):
    major, minor, patch = version.split(".")
    header = ROOT / HEADER
    text = header.read_text()
    for macro, value in zip(HEADER_MACROS, (major, minor, patch)):
        text = re.sub(rf"^(#define TK_VERSION_{macro} )[0-9]+$", rf"\g<1>{value}", text, flags=re.M)
    header.write_text(text)
    for path, pattern in PLACES:
        file = ROOT / path
        if file.exists():
            file.write_text(re.sub(pattern, rf"\g<1>{version}\g<3>", file.read_text(), flags=re.M))
    swift = ROOT / "Sources/TraceKitCore/Version.swift"
    text = swift.read_text()
    for name, value in zip(("major", "minor", "patch"), (major, minor, patch)):
        text = re.sub(rf"(static let {name} = )[0-9]+", rf"\g<1>{value}", text)
    swift.write_text(text)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    version = read_version()
    if command == "apply":
        apply(version)
    elif command != "check":
        sys.exit(__doc__)
    sys.exit(0 if check(version) else 1)
