"""The release artifacts of `make dist`, each installed somewhere clean and used
as a user would: the server tarball's binary from an empty directory with no
Swift toolchain, the wheel in a fresh venv, the platform gem in a temporary
GEM_HOME, the .debs unpacked into a scratch root (a C program through
pkg-config, a C++ one through CMake's find_package). Each client captures a
snapshot that the server stores, PII scrubbed.

TRACEKIT_DIST names the folder with the artifacts (scripts/test.sh runs
`make dist` first).
"""
import glob
import gzip
import json
import os
import pathlib
import re
import secrets
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
from server_process import ServerProcess  # noqa: E402

DIST = pathlib.Path(os.environ.get("TRACEKIT_DIST", pathlib.Path(__file__).resolve().parents[2] / "dist"))
VERSION = (pathlib.Path(__file__).resolve().parents[2] / "VERSION").read_text().strip()
# A user's environment: no toolchain, no library path, no TRACEKIT_LIBRARY.
CLEAN_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}


def artifact(pattern):
    found = sorted(glob.glob(str(DIST / pattern)))
    assert len(found) == 1, f"expected one {pattern} in {DIST}, found {found}"
    return pathlib.Path(found[0])


def run(command, env=None, cwd=None, timeout=300):
    result = subprocess.run(command, env=env or CLEAN_ENV, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{command} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result.stdout


class Server:
    def __init__(self, base_url, admin_key):
        self.base_url, self.admin_key = base_url, admin_key

    def call(self, method, path, body=None, key=None):
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"}
        if key is not False:
            headers["X-API-Key"] = key or self.admin_key
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def service_with_breakpoint(self, function, label):
        """A new service, an SDK key for it and an enabled breakpoint on function:label."""
        service = "dist-" + secrets.token_hex(4)
        status, body = self.call("POST", "/api/keys", {"name": service, "role": "sdk", "services": [service]})
        assert status == 201, body
        status, created = self.call("POST", "/api/breakpoints", {"service_name": service, "function_name": function,
                                                                 "label": label, "enabled": True})
        assert status in (200, 201), created
        return service, json.loads(body)["key"]

    def snapshots(self, service):
        status, body = self.call("GET", f"/api/snapshots?service={service}&limit=10")
        assert status == 200, body
        return json.loads(body)["snapshots"]


@pytest.fixture(scope="session")
def server_binary(tmp_path_factory):
    """tracekit-server from the release tarball."""
    tarball = artifact(f"tracekit-server-{VERSION}-linux-*.tar.gz")
    where = tmp_path_factory.mktemp("server")
    with tarfile.open(tarball) as archive:
        archive.extractall(where)
    root = where / tarball.name.removesuffix(".tar.gz")
    assert (root / "LICENSE").exists() and (root / "README.md").exists()
    return root / "bin" / "tracekit-server"


@pytest.fixture(scope="session")
def server(server_binary, tmp_path_factory):
    empty = tmp_path_factory.mktemp("empty-cwd")
    admin_key = "tk_dist_" + secrets.token_hex(12)
    with ServerProcess(server_binary, "--admin-key", admin_key, "--database", empty / "tracekit.sqlite",
                       cwd=empty, env=CLEAN_ENV) as process:
        yield Server(process.base_url, admin_key)


def wait_for_snapshot(server, service, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        snapshots = server.snapshots(service)
        if snapshots:
            return snapshots[0]
        time.sleep(0.2)
    pytest.fail(f"no snapshot arrived for {service}")


def assert_scrubbed(snapshot):
    text = json.dumps(snapshot)
    assert "[REDACTED:email]" in text and "jane@example.com" not in text, text


# --- the server tarball -------------------------------------------------------------

def test_the_server_binary_needs_no_swift_toolchain(server_binary):
    linked = run(["ldd", str(server_binary)])
    assert "libswift" not in linked and "libFoundation" not in linked and "/opt/" not in linked, linked


def test_the_server_from_an_empty_directory_answers_health_and_the_sign_in_page(server):
    status, body = server.call("GET", "/api/health", key=False)
    assert status == 200, body
    status, page = server.call("GET", "/login", key=False)
    assert status == 200 and "<form" in page.lower(), page[:300]


# --- Python wheel ----------------------------------------------------------------------

PYTHON_SERVICE = """
import json, sys, time
import tracekit_native

def checkout(client):
    client.capture_snapshot("dist-checkout", {"email": "jane@example.com", "order_id": 7})

client = tracekit_native.init(api_key=sys.argv[1], service_name=sys.argv[2], endpoint=sys.argv[3],
                              enable_code_monitoring=True, capture_config={"poll_interval_ms": 100})
mapped = sorted({line.split()[-1] for line in open("/proc/self/maps") if "libtracekit" in line})
deadline = time.monotonic() + 20
while client.stats()["sent"] < 1 and time.monotonic() < deadline:
    checkout(client)
    time.sleep(0.1)
print(json.dumps({"mapped": mapped, "sent": client.stats()["sent"]}))
client.shutdown()
"""


def test_the_wheel_in_a_fresh_venv_loads_its_own_library_and_captures(server, tmp_path):
    wheel = artifact(f"tracekit_native-{VERSION}-py3-none-manylinux_*_x86_64.whl")
    venv = tmp_path / "venv"
    run(["python3", "-m", "venv", str(venv)])
    run([str(venv / "bin" / "pip"), "install", "--no-index", "--no-deps", "-q", str(wheel)])
    service, key = server.service_with_breakpoint("checkout", "dist-checkout")
    script = tmp_path / "service.py"
    script.write_text(PYTHON_SERVICE)
    result = json.loads(run([str(venv / "bin" / "python"), str(script), key, service, server.base_url],
                            cwd=tmp_path).strip().splitlines()[-1])
    assert result["sent"] >= 1
    assert len(result["mapped"]) == 1 and result["mapped"][0].startswith(str(venv)), result
    assert_scrubbed(wait_for_snapshot(server, service))


# --- Ruby platform gem -----------------------------------------------------------------

RUBY_SERVICE = """
require "json"
require "tracekit_native"

def checkout(client)
  client.capture_snapshot("dist-checkout", { email: "jane@example.com", order_id: 7 })
end

client = TracekitNative::SDK.configure do |c|
  c.api_key = ARGV[0]
  c.service_name = ARGV[1]
  c.endpoint = ARGV[2]
  c.enable_code_monitoring = true
  c.code_monitoring_poll_interval = 1
end
mapped = File.readlines("/proc/self/maps").grep(/libtracekit/).map { |line| line.split.last }.uniq
deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 20
while client.stats["sent"] < 1 && Process.clock_gettime(Process::CLOCK_MONOTONIC) < deadline
  checkout(client)
  sleep 0.1
end
puts JSON.generate({ "mapped" => mapped, "sent" => client.stats["sent"] })
client.shutdown
"""


def test_the_platform_gem_in_a_temporary_gem_home_loads_its_own_library_and_captures(server, tmp_path):
    gem = artifact(f"tracekit-native-{VERSION}-x86_64-linux.gem")
    gem_home = tmp_path / "gems"
    env = {**CLEAN_ENV, "GEM_HOME": str(gem_home)}
    run(["gem", "install", "--local", "--no-document", str(gem)], env=env)
    service, key = server.service_with_breakpoint("checkout", "dist-checkout")
    script = tmp_path / "service.rb"
    script.write_text(RUBY_SERVICE)
    result = json.loads(run(["ruby", str(script), key, service, server.base_url], env=env, cwd=tmp_path)
                        .strip().splitlines()[-1])
    assert result["sent"] >= 1
    assert len(result["mapped"]) == 1 and result["mapped"][0].startswith(str(gem_home)), result
    assert_scrubbed(wait_for_snapshot(server, service))


def test_the_pure_gem_has_no_library_inside():
    gem = artifact(f"tracekit-native-{VERSION}.gem")
    with tarfile.open(gem) as outer:
        data = outer.extractfile("data.tar.gz")
        with tarfile.open(fileobj=data) as inner:
            names = inner.getnames()
    assert "lib/tracekit_native.rb" in names and "LICENSE" in names
    assert not [name for name in names if name.endswith(".so") or ".so." in name], names


# --- Debian packages --------------------------------------------------------------------

C_SERVICE = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <tracekit.h>

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  tk_options *options = tk_options_new();
  tk_options_set_api_key(options, argv[1]);
  tk_options_set_service_name(options, argv[2]);
  tk_options_set_endpoint(options, argv[3]);
  tk_options_set_poll_interval_ms(options, 100);
  tk_client *client = tk_client_new(options);
  tk_options_free(options);
  if (!client) { fprintf(stderr, "%s\n", tk_last_error()); return 1; }
  for (int i = 0; i < 200; i++) {
    tk_capture(client, "dist-checkout", __FILE__, __LINE__, "checkout",
               "{\"email\":\"jane@example.com\",\"order_id\":7}", TK_NUL_TERMINATED, NULL);
    char *stats = tk_client_stats(client);
    int sent = stats && !strstr(stats, "\"sent\":0");
    tk_free(stats);
    if (sent) { puts("sent"); break; }
    usleep(100000);
  }
  tk_client_free(client);
  return 0;
}
"""

CMAKE_PROJECT = """
cmake_minimum_required(VERSION 3.16)
project(dist_check LANGUAGES CXX)
find_package(tracekit {major_minor} REQUIRED CONFIG)
add_executable(service service.cpp)
target_link_libraries(service PRIVATE tracekit::tracekit)
"""


@pytest.fixture(scope="module")
def debian_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("debroot")
    for package in ("libtracekit0", "libtracekit-dev", "tracekit-server"):
        run(["dpkg-deb", "-x", str(artifact(f"{package}_{VERSION}_*.deb")), str(root)])
    return root


def multiarch_libdir(root):
    found = glob.glob(str(root / "usr/lib/*/libtracekit.so.0"))
    assert len(found) == 1, found
    return pathlib.Path(found[0]).parent


def test_the_debs_hold_what_each_package_promises(debian_root):
    libdir = multiarch_libdir(debian_root)
    assert os.readlink(libdir / "libtracekit.so.0") == f"libtracekit.so.{VERSION}"
    assert (debian_root / "usr/include/tracekit.h").exists()
    assert (libdir / "pkgconfig/tracekit.pc").exists() and (libdir / "cmake/tracekit/tracekitConfig.cmake").exists()
    assert (debian_root / "usr/bin/tracekit-server").exists()
    unit = (debian_root / "lib/systemd/system/tracekit-server.service").read_text()
    assert "User=tracekit-server" in unit and "StateDirectory=tracekit-server" in unit
    assert "EnvironmentFile=-/etc/default/tracekit-server" in unit
    assert (debian_root / "etc/default/tracekit-server").exists()
    soname = run(["readelf", "-d", str(libdir / "libtracekit.so.0")])
    assert "Library soname: [libtracekit.so.0]" in soname


def test_the_server_manual_page_lists_every_option_of_the_binary(debian_root):
    with gzip.open(debian_root / "usr/share/man/man1/tracekit-server.1.gz", "rt") as manual:
        roff = manual.read().replace("\\-", "-")
    options = re.findall(r"^  (--[a-z-]+)", run([str(debian_root / "usr/bin/tracekit-server"), "--help"]), re.M)
    assert "--database" in options
    assert [option for option in options if option not in roff] == []


def test_a_c_program_built_with_pkg_config_from_the_debs_captures(server, debian_root, tmp_path):
    libdir = multiarch_libdir(debian_root)
    env = {**CLEAN_ENV, "PKG_CONFIG_SYSROOT_DIR": str(debian_root), "PKG_CONFIG_LIBDIR": str(libdir / "pkgconfig")}
    flags = run(["pkg-config", "--cflags", "--libs", "tracekit"], env=env).split()
    (tmp_path / "service.c").write_text(C_SERVICE)
    run(["gcc", "-std=c99", "-D_DEFAULT_SOURCE", "-Wall", "-Werror", "-o", str(tmp_path / "service"),
         str(tmp_path / "service.c"), *flags], env=env)
    service, key = server.service_with_breakpoint("checkout", "dist-checkout")
    # The scratch root is not the system's library path: say where the package put the library.
    output = run([str(tmp_path / "service"), key, service, server.base_url], env={**CLEAN_ENV, "LD_LIBRARY_PATH": str(libdir)})
    assert "sent" in output
    assert_scrubbed(wait_for_snapshot(server, service))


def test_a_cpp_program_built_with_cmake_find_package_from_the_debs_captures(server, debian_root, tmp_path):
    libdir = multiarch_libdir(debian_root)
    (tmp_path / "service.cpp").write_text(C_SERVICE)
    major_minor = ".".join(VERSION.split(".")[:2])
    (tmp_path / "CMakeLists.txt").write_text(CMAKE_PROJECT.format(major_minor=major_minor))
    run(["cmake", "-S", str(tmp_path), "-B", str(tmp_path / "build"), f"-DCMAKE_PREFIX_PATH={debian_root / 'usr'}"])
    run(["cmake", "--build", str(tmp_path / "build")])
    service, key = server.service_with_breakpoint("checkout", "dist-checkout")
    output = run([str(tmp_path / "build" / "service"), key, service, server.base_url])
    assert "sent" in output
    assert_scrubbed(wait_for_snapshot(server, service))
