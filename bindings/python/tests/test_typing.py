"""The public API is typed: mypy --strict accepts a user's file (PEP 561, py.typed).
The package's own modules are followed silently, as mypy treats an installed
package: what is checked is what a user's code sees of the API."""
import pathlib
import shutil
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent


def test_mypy_strict_accepts_a_user_file():
    if shutil.which("mypy") is None and subprocess.run([sys.executable, "-m", "mypy", "--version"],
                                                       capture_output=True).returncode != 0:
        pytest.fail("mypy is not installed (scripts/install-deps.sh installs it)")
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--no-incremental", "--python-version", "3.11",
                             str(HERE / "typing" / "user_service.py")],
                            cwd=HERE.parent, env={"MYPYPATH": str(HERE.parent), "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (HERE.parent / "tracekit_native" / "py.typed").exists()
