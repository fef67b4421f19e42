import dev.tracekit.TracekitConfig;
import dev.tracekit.TracekitSDK;
import dev.tracekit.snapshot.Checkpoint;
import dev.tracekit.support.TestServer;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The Java binding's checkpoint cost against tracekit-server on loopback
 * (same payload as the Python/Ruby/PHP benchmarks). Per-call wall time of
 * batches (median, p99) and the calling thread's CPU time (median: what the
 * checkpoint costs without preemption on a shared machine), after a JIT warm-up:
 *   handle inactive   Checkpoint.capture, breakpoint disabled (one read of the flag)
 *   drop-in inactive  TracekitSDK.captureSnapshot, breakpoint disabled (label-keyed fast path:
 *                     the label's two sites' flags; a StackWalker probe every 4096th call, included)
 *   drop-in loop avg  the same, thread CPU of one run of 20,000,000 calls divided by the calls
 *                     (every probe, allocation and JIT effect included; no batch left out)
 *   handle active     every call captures (rate limit off)
 *   drop-in active    every call captures
 *
 *   bindings/java/build.sh --benchmark   (TRACEKIT_LIBRARY, TRACEKIT_SERVER_BIN set)
 */
public final class Bench {
    private static final Map<String, Object> PAYLOAD = Map.of("order_id", 4711, "email", "jane.doe@example.com",
            "amount", 99.5, "items", List.of("book", "pen"), "card_number", "4111 1111 1111 1111", "express", true);
    private static volatile Object sink;

    private Bench() {
    }

    interface Batch {
        void run(int calls);
    }

    private static int breakpointCount(TestServer server, String service) {
        try {
            return server.breakpoints(service).size();
        } catch (Exception error) {
            return 0;
        }
    }

    /** Median and p99 of wall time per call, and the median of the thread's CPU time per call. */
    private static double[] measure(Batch batch, int calls, int batches) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        batch.run(calls * 20); // warm-up: let the JIT compile the path
        double[] wall = new double[batches];
        double[] cpu = new double[batches];
        for (int i = 0; i < batches; i++) {
            long startCpu = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            batch.run(calls);
            wall[i] = (System.nanoTime() - start) / (double) calls;
            cpu[i] = (threads.getCurrentThreadCpuTime() - startCpu) / (double) calls;
        }
        Arrays.sort(wall);
        Arrays.sort(cpu);
        return new double[] {wall[batches / 2], wall[(int) Math.floor(batches * 0.99)], cpu[batches / 2]};
    }

    /** The thread's CPU time per call over one long run. */
    private static double loopAverage(Batch batch, int calls) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long startCpu = threads.getCurrentThreadCpuTime();
        batch.run(calls);
        return (threads.getCurrentThreadCpuTime() - startCpu) / (double) calls;
    }

    private static void report(String name, double[] figures) {
        System.out.printf("%-17s wall median %10.1f ns   p99 %10.1f ns   thread CPU median %10.1f ns%n", name,
                figures[0], figures[1], figures[2]);
    }

    public static void main(String[] args) throws Exception {
        TestServer server = TestServer.shared();
        String service = "java-bench-" + TestServer.randomHex(3);
        TracekitSDK sdk = TracekitSDK.create(TracekitConfig.builder().apiKey(server.sdkKey(service))
                .serviceName(service).endpoint(server.baseUrl).enableCodeMonitoring(true).pollIntervalMs(100)
                .maxCapturesPerSecond(0).maxQueue(1_000_000).build());
        Checkpoint handle = sdk.getSnapshotClient().checkpoint("order-checkout");
        Batch handleBatch = calls -> {
            for (int i = 0; i < calls; i++) {
                handle.capture(PAYLOAD);
            }
        };
        Batch dropInBatch = calls -> {
            for (int i = 0; i < calls; i++) {
                sdk.captureSnapshot("order-checkout", PAYLOAD);
            }
        };
        dropInBatch.run(1);
        // Two call sites with this label (the handle's and the lambda's): two breakpoints.
        TestServer.waitFor(() -> breakpointCount(server, service) == 2, 10_000);
        report("handle inactive", measure(handleBatch, 1_000_000, 200));
        report("drop-in inactive", measure(dropInBatch, 100_000, 400));
        System.out.printf("%-17s thread CPU %10.1f ns%n", "drop-in loop avg", loopAverage(dropInBatch, 20_000_000));

        for (Map<String, Object> breakpoint : server.breakpoints(service)) {
            server.setEnabled((String) breakpoint.get("id"), true);
        }
        TestServer.waitFor(() -> handle.isActive(), 10_000);
        report("handle active", measure(handleBatch, 100, 100));
        report("drop-in active", measure(dropInBatch, 100, 100));
        sdk.getSnapshotClient().flush(30_000);
        Map<String, Object> stats = sdk.getSnapshotClient().getStats();
        System.out.printf("captured %s, sent %s, dropped %s%n", stats.get("captured"), stats.get("sent"),
                stats.get("dropped_queue_full"));
        sink = stats;
        sdk.shutdown();
    }
}
