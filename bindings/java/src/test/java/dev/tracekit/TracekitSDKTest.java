package dev.tracekit;

import dev.tracekit.snapshot.Checkpoint;
import dev.tracekit.support.Json;
import dev.tracekit.support.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TracekitSDK against a real tracekit-server: registration, capture, redaction, kill switch, failures. */
class TracekitSDKTest {
    private static final String FILE = "dev/tracekit/TracekitSDKTest.java";
    private static final String FUNCTION = "dev.tracekit.TracekitSDKTest.checkout";

    private TestServer server;
    private String service;
    private final List<TracekitSDK> sdks = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        server = TestServer.shared();
        service = "java-" + TestServer.randomHex(4);
    }

    @AfterEach
    void tearDown() {
        sdks.forEach(TracekitSDK::shutdown);
    }

    private TracekitSDK sdk(TracekitConfig.Builder builder) {
        TracekitSDK sdk = TracekitSDK.create(builder.build());
        sdks.add(sdk);
        return sdk;
    }

    private TracekitConfig.Builder config() throws Exception {
        return TracekitConfig.builder().apiKey(server.sdkKey(service)).serviceName(service).endpoint(server.baseUrl)
                .enableCodeMonitoring(true).pollIntervalMs(100);
    }

    /** A public POJO with a getter that throws and a back reference. */
    public static final class Cart {
        public final List<String> items = List.of("book", "pen");
        public Cart self = this;

        public double getTotal() {
            return 42.5;
        }

        public String getBroken() {
            throw new IllegalStateException("no");
        }
    }

    /** The checkpoint under test; returns its line. */
    private static int checkout(TracekitSDK sdk) {
        Map<String, Object> variables = new HashMap<>();
        variables.put("email", "jane.doe@example.com");
        variables.put("card_number", "4111 1111 1111 1111");
        variables.put("password", "hunter2");
        variables.put("cart", new Cart());
        variables.put("amount", 42);
        sdk.captureSnapshot("order-checkout", variables); return new Throwable().getStackTrace()[0].getLineNumber();
    }

    private void enable(TracekitSDK sdk) throws Exception {
        server.setEnabled((String) server.registeredBreakpoint(service, "order-checkout").get("id"), true);
        assertEquals(Boolean.TRUE, TestServer.waitFor(
                () -> ((Long) sdk.getSnapshotClient().getStats().get("breakpoints")) > 0, 5000),
                "the breakpoint did not reach the client");
    }

    @Test
    void firstCheckpointRegistersTheSiteAndCapturesNothingWhileDisabled() throws Exception {
        TracekitSDK sdk = sdk(config());
        assertTrue(sdk.isCodeMonitoringEnabled(), sdk.getLastError());
        int line = checkout(sdk);
        Map<String, Object> breakpoint = server.registeredBreakpoint(service, "order-checkout");
        assertEquals(false, breakpoint.get("enabled"));
        assertEquals(FUNCTION, breakpoint.get("function_name"));
        assertEquals(FILE, breakpoint.get("file_path"));
        assertEquals((long) line, breakpoint.get("line_number"));
        checkout(sdk);
        assertTrue(sdk.getSnapshotClient().flush(5000));
        assertEquals(List.of(), server.snapshots(service));
    }

    @Test
    void captureCarriesTheStackAndRedactsPii() throws Exception {
        TracekitSDK sdk = sdk(config());
        checkout(sdk);
        enable(sdk);
        int line = checkout(sdk);
        assertTrue(sdk.getSnapshotClient().flush(5000));
        List<Map<String, Object>> snapshots = server.snapshotsWhen(service, 1);
        assertEquals(1, snapshots.size());
        Map<String, Object> snapshot = snapshots.get(0);

        assertEquals(List.of(FILE, (long) line, FUNCTION, "order-checkout"), List.of(snapshot.get("file_path"),
                snapshot.get("line_number"), snapshot.get("function_name"), snapshot.get("label")));
        Map<String, Object> variables = Json.get(snapshot, "variables");
        assertEquals("[REDACTED:email]", variables.get("email"));
        assertEquals("[REDACTED:credit_card]", variables.get("card_number"));
        assertEquals("[REDACTED:sensitive_name]", variables.get("password"));
        assertEquals(42L, variables.get("amount"));
        assertEquals(List.of("book", "pen"), Json.get(variables, "cart", "items"));
        assertEquals(42.5, (Double) Json.get(variables, "cart", "total"));
        assertEquals("[CIRCULAR]", Json.get(variables, "cart", "self"));
        assertEquals("[ERROR:java.lang.IllegalStateException]", Json.get(variables, "cart", "broken"));
        String firstFrame = ((String) snapshot.get("stack_trace")).split("\n")[0];
        assertEquals(FUNCTION + " (" + FILE + ":" + line + ")", firstFrame);
        Map<String, Object> stats = sdk.getSnapshotClient().getStats();
        assertEquals(List.of(1L, 1L), List.of(stats.get("captured"), stats.get("sent")));
    }

    @Test
    void killSwitchStopsCapturesUntilLifted() throws Exception {
        TracekitSDK sdk = sdk(config());
        checkout(sdk);
        enable(sdk);
        checkout(sdk);
        assertTrue(sdk.getSnapshotClient().flush(5000));
        assertEquals(1, server.snapshotsWhen(service, 1).size());

        server.setKillSwitch(service, true);
        assertEquals(Boolean.TRUE, TestServer.waitFor(() -> sdk.getSnapshotClient().getStats().get("kill_switch"), 5000));
        for (int i = 0; i < 5; i++) {
            checkout(sdk);
        }
        assertTrue(sdk.getSnapshotClient().flush(5000));
        assertEquals(1, server.snapshots(service).size());
        assertEquals(1L, sdk.getSnapshotClient().getStats().get("captured"));

        server.setKillSwitch(service, false);
        assertEquals(Boolean.TRUE, TestServer.waitFor(() -> !(Boolean) sdk.getSnapshotClient().getStats().get("kill_switch")
                && (Long) sdk.getSnapshotClient().getStats().get("breakpoints") > 0, 5000));
        checkout(sdk);
        assertTrue(sdk.getSnapshotClient().flush(5000));
        assertEquals(2, server.snapshotsWhen(service, 2).size());
    }

    @Test
    void aCheckpointHandleCapturesWhenActiveAndBuildsNothingWhenNot() throws Exception {
        TracekitSDK sdk = sdk(config());
        Checkpoint checkpoint = sdk.getSnapshotClient().checkpoint("order-checkout");
        int[] built = {0};
        checkpoint.capture(() -> {
            built[0]++;
            return Map.of("email", "jane.doe@example.com");
        });
        assertEquals(0, built[0], "an inactive checkpoint does not build its variables");
        assertFalse(checkpoint.isActive());
        enable(sdk);
        assertTrue(checkpoint.isActive());
        checkpoint.capture(() -> {
            built[0]++;
            return Map.of("email", "jane.doe@example.com");
        });
        assertEquals(1, built[0]);
        assertTrue(sdk.getSnapshotClient().flush(5000));
        assertEquals("[REDACTED:email]", Json.get(server.snapshotsWhen(service, 1).get(0), "variables", "email"));
    }

    @Test
    void checkpointsNeverThrow() throws Exception {
        TracekitSDK sdk = sdk(config());
        checkout(sdk);
        enable(sdk);
        Map<String, Object> hostile = new HashMap<>();
        hostile.put("self", hostile);
        hostile.put("thread", Thread.currentThread());
        hostile.put("nan", Double.NaN);
        hostile.put("lone", "\ud800");
        sdk.captureSnapshot("order-checkout", hostile);
        sdk.captureSnapshot("order-checkout", null);
        sdk.captureSnapshot(null, Map.of());
        sdk.captureSnapshot("", Map.of());
        sdk.getSnapshotClient().checkpoint(null).capture(() -> {
            throw new IllegalStateException("supplier failed");
        });
        sdk.shutdown();
        checkout(sdk); // after shutdown: a no-op
        sdk.shutdown(); // idempotent
        assertFalse(sdk.getSnapshotClient().flush(10));
        assertTrue(sdk.getSnapshotClient().getStats().isEmpty());
    }

    @Test
    void shutdownWhileOtherThreadsCaptureIsSafe() throws Exception {
        TracekitSDK sdk = sdk(config().maxCapturesPerSecond(0));
        checkout(sdk);
        enable(sdk);
        Checkpoint checkpoint = sdk.getSnapshotClient().checkpoint("order-checkout");
        java.util.concurrent.atomic.AtomicReference<Throwable> escaped = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(8);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            boolean handle = t % 2 == 0;
            Thread thread = new Thread(() -> {
                running.countDown();
                try {
                    for (int i = 0; i < 2000; i++) {
                        if (handle) {
                            checkpoint.capture(Map.of("i", i));
                        } else {
                            sdk.captureSnapshot("order-checkout", Map.of("i", i));
                        }
                    }
                } catch (Throwable error) {
                    escaped.set(error);
                }
            });
            threads.add(thread);
            thread.start();
        }
        running.await();
        Thread.sleep(20);
        sdk.shutdown(); // while the threads capture
        for (Thread thread : threads) {
            thread.join(30_000);
        }
        assertNull(escaped.get());
        assertFalse(checkpoint.isActive(), "a freed client's sites read 0");
        assertTrue(sdk.getSnapshotClient().getStats().isEmpty());
    }

    @Test
    void invalidOptionsLeaveMonitoringOffWithTheOptionNamedAndNoKeyInTheMessage() throws Exception {
        String key = "tk_secret_key_123";
        TracekitConfig.Builder base = TracekitConfig.builder().apiKey(key).endpoint(server.baseUrl).enableCodeMonitoring(true);
        Object[][] cases = {
                {base.serviceName("bad name!"), "serviceName"},
                {TracekitConfig.builder().apiKey(key).serviceName("svc").enableCodeMonitoring(true).captureDepth(-1), "captureDepth"},
                {TracekitConfig.builder().apiKey(key).serviceName("svc").enableCodeMonitoring(true).piiPattern("card", "(["), "piiPattern"},
                {TracekitConfig.builder().apiKey(key).serviceName("svc").enableCodeMonitoring(true).endpoint("ftp://x"), "endpoint"},
                {TracekitConfig.builder().apiKey(key).serviceName("svc").enableCodeMonitoring(true).pollIntervalMs(5), "pollIntervalMs"},
        };
        for (Object[] testCase : cases) {
            TracekitSDK sdk = sdk((TracekitConfig.Builder) testCase[0]);
            assertFalse(sdk.isCodeMonitoringEnabled(), (String) testCase[1]);
            assertNotNull(sdk.getLastError());
            assertTrue(sdk.getLastError().contains((String) testCase[1]), sdk.getLastError());
            assertFalse(sdk.getLastError().contains(key));
            sdk.captureSnapshot("order-checkout", Map.of("a", 1)); // a no-op, no exception
        }
        assertThrows(IllegalArgumentException.class, () -> TracekitSDK.builder().serviceName("svc").build());
        assertFalse(TracekitConfig.builder().apiKey(key).serviceName("s").build().toString().contains(key));
    }

    @Test
    void codeMonitoringOffMakesEveryCallANoOp() throws Exception {
        TracekitSDK sdk = sdk(TracekitConfig.builder().apiKey("k").serviceName("svc"));
        assertFalse(sdk.isCodeMonitoringEnabled());
        checkout(sdk);
        assertNull(sdk.getLastError());
        assertTrue(sdk.getSnapshotClient().getStats().isEmpty());
    }
}
