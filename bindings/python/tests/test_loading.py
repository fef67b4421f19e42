"""Which libtracekit the binding loads, and what it refuses."""
import os
import pathlib
import subprocess
import sys

BINDING = pathlib.Path(__file__).resolve().parents[1]


def run_python(code, **env):
    environment = {**os.environ, "PYTHONPATH": str(BINDING), **env}
    return subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=60)


def test_a_missing_TRACEKIT_LIBRARY_is_an_error_that_names_the_path():
    result = run_python(
        "import tracekit_native\n"
        "try:\n    tracekit_native.library_version()\n"
        "except tracekit_native.TraceKitError as error:\n    print('refused:', error)\n",
        TRACEKIT_LIBRARY="/nonexistent/dir/libtracekit.so.0")
    assert "refused: " in result.stdout, result.stderr
    assert "/nonexistent/dir/libtracekit.so.0" in result.stdout
    assert "does not exist" in result.stdout


def test_TRACEKIT_LIBRARY_is_the_file_that_gets_mapped():
    path = os.path.realpath(os.environ["TRACEKIT_LIBRARY"])
    result = run_python(
        "import tracekit_native\ntracekit_native.library_version()\n"
        "print([line.split()[-1] for line in open('/proc/self/maps') if 'libtracekit' in line][0])\n")
    assert result.returncode == 0, result.stderr
    assert os.path.realpath(result.stdout.strip()) == path


def test_a_library_of_another_major_version_is_refused():
    # The binding claims major 1: the loaded 0.x library must be refused with a clear message.
    result = run_python(
        "import tracekit_native\ntracekit_native.__version__ = '1.0.0'\n"
        "try:\n    tracekit_native.library_version()\n"
        "except tracekit_native.TraceKitError as error:\n    print('refused:', error)\n")
    assert "refused: " in result.stdout, result.stderr
    assert "needs major version 1" in result.stdout
