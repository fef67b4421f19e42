#!/usr/bin/env bash
# Installs what building and testing TraceKit Native needs, idempotently:
# Debian packages (only those missing) and Python packages for the tests.
# Needs root (or sudo) only when something is missing.
set -euo pipefail

# libdw-dev: headers for DWARF line tables in native stacks (libtracekit.so loads
# libdw.so.1 with dlopen when present: no run-time dependency); binutils: strip,
# objcopy, readelf for the native stack test.
APT_PACKAGES=(libcurl4-openssl-dev libpcre2-dev libsqlite3-dev libdw-dev binutils pkg-config gcc g++ make cmake curl
              python3 python3-pip python3-venv ruby ruby-ffi chromium chromium-driver
              puma ruby-rack ruby-railties golang-go php8.2-cli php8.2-fpm libfcgi-bin phpunit
              openjdk-17-jdk-headless libjna-java libservlet-api-java libjetty9-java junit5 openssl
              lintian dpkg-dev)   # make dist: dpkg-shlibdeps, lintian for the .debs
# The Node.js binding: node and its Node-API headers (a nodejs package from
# nodejs.org's repository ships both; Debian's needs libnode-dev), Express for
# the middleware test, TypeScript to check index.d.ts. Installed only when
# missing, like the rest.
APT_PACKAGES+=(node-express node-typescript)
command -v node >/dev/null 2>&1 || APT_PACKAGES+=(nodejs)
[ -f /usr/include/node/node_api.h ] || APT_PACKAGES+=(libnode-dev)
# The server suite also runs against PostgreSQL (a throwaway cluster started
# by scripts/pg-cluster.sh): initdb, pg_ctl and psql, unless already present.
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || APT_PACKAGES+=(postgresql)
command -v psql >/dev/null 2>&1 || APT_PACKAGES+=(postgresql-client)
# The two-instance suite also runs behind a real nginx configured from the
# example in docs/DEPLOYMENT.md (server/Tests/multi-instance/test_behind_nginx.py).
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || APT_PACKAGES+=(nginx)
# The Python binding's integration tests run real servers and frameworks
# (each name is also its import name).
# mypy: the binding's type annotations are checked with --strict.
PIP_PACKAGES=(pytest gunicorn flask django starlette httpx fastapi mypy)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
for package in "${PIP_PACKAGES[@]}"; do
  if ! "$PYTHON" -c "import $package" 2>/dev/null; then
    echo "==> installing Python package: $package"
    "$PYTHON" -m pip install -q "$package" 2>/dev/null \
      || "$PYTHON" -m pip install -q --break-system-packages "$package"
  fi
done
