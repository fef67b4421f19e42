"""Where the two-instance ingest's time goes (issue 12): the ingest of
two_instances_bench.py on a throwaway cluster with pg_stat_statements loaded,
then the CPU each server and PostgreSQL's processes used per capture stored,
and the statements PostgreSQL ran (calls, rows, total and mean execution ms).
`perf` records server A with call graphs into perf.data (perf report -i perf.data).

usage (as root, like scripts/pg-cluster.sh; from the repository root):
  python3 server/Benchmarks/two_instances_profile.py SERVER_BINARY [SECONDS] [CONNECTIONS_PER_INSTANCE] [perf]
"""
import glob, os, subprocess, sys, tempfile, time, pathlib
REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "server" / "Benchmarks"))
sys.path.insert(0, str(REPO / "server" / "Tests" / "multi-instance"))
import two_instances_bench as bench
from instances import Instance, new_admin_key

TICK = os.sysconf("SC_CLK_TCK")

def cpu(pid):
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / TICK
    except FileNotFoundError:
        return 0.0

def pg_pids():
    out = subprocess.run(["pgrep", "-u", CLUSTER_USER, "postgres"], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


CLUSTER_USER = "postgres" if subprocess.run(["id", "postgres"], capture_output=True).returncode == 0 else "nobody"


def restart_with_statement_stats(url, pgdir):
    bench.psql(url, "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
    pg_ctl = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))[-1]
    subprocess.run(["runuser", "-u", CLUSTER_USER, "--", pg_ctl, "-D", pgdir + "/data", "-w", "restart", "-l", pgdir + "/server.log"],
                   check=True, capture_output=True)
    bench.psql(url, "CREATE EXTENSION pg_stat_statements")


def main():
    binary = sys.argv[1]
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    conns = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    use_perf = len(sys.argv) > 4 and sys.argv[4] == "perf"
    cluster = tempfile.mkdtemp()
    os.chmod(cluster, 0o755)
    pgdir = cluster + "/pg"
    url = subprocess.run([str(REPO / "scripts/pg-cluster.sh"), "start", pgdir], check=True, capture_output=True, text=True).stdout.strip()
    restart_with_statement_stats(url, pgdir)
    admin = new_admin_key()
    a = Instance(binary, url, admin, "A", extra=["--retention-count", "0"])
    b = Instance(binary, url, admin, "B", extra=["--retention-count", "0"])
    try:
        print(f"load before {os.getloadavg()[0]:.2f}")
        # A warm-up: pools open, statements prepared, rows remembered.
        bench.ingest(a, b, url, 2, conns)
        bench.psql(url, "SELECT pg_stat_statements_reset()")
        before_n = int(bench.psql(url, "SELECT count(*) FROM snapshots"))
        pids = {"A": a.process.pid, "B": b.process.pid}
        pgs = pg_pids()
        c0 = {k: cpu(p) for k, p in pids.items()}
        g0 = {p: cpu(p) for p in pgs}
        t0 = time.time()
        perf = None
        if use_perf:
            perf = subprocess.Popen(["perf", "record", "-F", "499", "-g", "-o", "perf.data", "-p", str(pids["A"])],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        bench.ingest(a, b, url, seconds, conns)
        if perf:
            perf.send_signal(2)
            perf.wait()
        el = time.time() - t0
        c1 = {k: cpu(p) for k, p in pids.items()}
        g1 = {p: cpu(p) for p in pg_pids()}
        n = int(bench.psql(url, "SELECT count(*) FROM snapshots")) - before_n
        pgcpu = sum(g1[p] - g0.get(p, 0.0) for p in g1)
        print(f"captures {n} in {el:.1f}s ({n/el:,.0f}/s)")
        for k in pids:
            print(f"server {k}: {c1[k]-c0[k]:.2f} s CPU = {1e6*(c1[k]-c0[k])/n*2:.0f} us per capture it served (half of all)")
        print(f"postgres (all {len(g1)} processes): {pgcpu:.2f} s CPU = {1e6*pgcpu/n:.0f} us per capture; backends connected: "
              + bench.psql(url, "SELECT count(*) FROM pg_stat_activity WHERE datname='tracekit'"))
        print(bench.psql(url, "SELECT calls, rows, round(total_exec_time::numeric,1), round(mean_exec_time::numeric,3), left(regexp_replace(query, '\\s+', ' ', 'g'), 90) FROM pg_stat_statements ORDER BY calls DESC LIMIT 12"))
        print(f"load after {os.getloadavg()[0]:.2f}")
    finally:
        a.stop()
        b.stop()
        subprocess.run([str(REPO / "scripts/pg-cluster.sh"), "stop", pgdir], check=False)
        os.rmdir(cluster)

main()
