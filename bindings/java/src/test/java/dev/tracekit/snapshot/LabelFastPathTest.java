package dev.tracekit.snapshot;

import dev.tracekit.TracekitConfig;
import dev.tracekit.TracekitSDK;
import dev.tracekit.support.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * captureSnapshot's label-keyed fast path (LabelSites) against a real
 * tracekit-server: an inactive known label costs no stack walk and no native
 * call; a second call site reusing the label is found by the periodic probe;
 * each site captures with its own location.
 */
class LabelFastPathTest {
    private static final String LABEL = "order-checkout";
    private static final String FILE = "dev/tracekit/snapshot/LabelFastPathTest.java";

    private TestServer server;
    private String service;
    private TracekitSDK sdk;

    @BeforeEach
    void setUp() throws Exception {
        server = TestServer.shared();
        service = "java-label-" + TestServer.randomHex(4);
        sdk = TracekitSDK.create(TracekitConfig.builder().apiKey(server.sdkKey(service)).serviceName(service)
                .endpoint(server.baseUrl).enableCodeMonitoring(true).pollIntervalMs(100).build());
    }

    @AfterEach
    void tearDown() {
        sdk.shutdown();
    }

    /** Two call sites with the same label, in different methods (breakpoints match "function:label"). */
    private static int siteA(TracekitSDK sdk) {
        sdk.captureSnapshot(LABEL, Map.of("site", "a")); return new Throwable().getStackTrace()[0].getLineNumber();
    }

    private static int siteB(TracekitSDK sdk) {
        sdk.captureSnapshot(LABEL, Map.of("site", "b")); return new Throwable().getStackTrace()[0].getLineNumber();
    }

    /** The lines registered under LABEL, sorted, once there are count of them (else what there is after 5 s). */
    private List<Long> registeredLines(int count) {
        return TestServer.waitFor(() -> {
            try {
                List<Long> lines = server.breakpoints(service).stream().filter(bp -> LABEL.equals(bp.get("label")))
                        .map(bp -> (Long) bp.get("line_number")).sorted().collect(Collectors.toList());
                return lines.size() == count ? lines : null;
            } catch (Exception error) {
                return null;
            }
        }, 5000);
    }

    private void enable(int line) throws Exception {
        for (Map<String, Object> breakpoint : server.breakpoints(service)) {
            if (Long.valueOf(line).equals(breakpoint.get("line_number"))) {
                server.setEnabled((String) breakpoint.get("id"), true);
            }
        }
    }

    private List<Map<String, Object>> snapshotsAt(int line) throws Exception {
        return server.snapshots(service).stream().filter(s -> Long.valueOf(line).equals(s.get("line_number")))
                .collect(Collectors.toList());
    }

    /** Calls the site until a snapshot taken there arrives (its breakpoint reached the client). */
    private Map<String, Object> snapshotFrom(java.util.function.IntSupplier site) {
        return TestServer.waitFor(() -> {
            try {
                int line = site.getAsInt();
                sdk.getSnapshotClient().flush(5000);
                List<Map<String, Object>> found = snapshotsAt(line);
                return found.isEmpty() ? null : found.get(0);
            } catch (Exception error) {
                return null;
            }
        }, 10_000);
    }

    @Test
    void anInactiveKnownLabelMakesNoStackWalkAndNoNativeCallUntilItsProbe() {
        SnapshotClient client = sdk.getSnapshotClient();
        siteA(sdk); // a new label: located, interned and registered
        long walks = client.stackWalks();
        long nativeCalls = client.checkpointNativeCalls();
        assertTrue(walks >= 1 && nativeCalls >= 1, "the first call locates and registers its site");

        for (int i = 1; i < LabelSites.PROBE_INTERVAL; i++) {
            siteA(sdk);
        }
        assertEquals(walks, client.stackWalks(), "no stack walk while the label's site is inactive");
        assertEquals(nativeCalls, client.checkpointNativeCalls(), "no native call while inactive");

        siteA(sdk); // the PROBE_INTERVAL-th call looks at its caller again
        assertEquals(walks + 1, client.stackWalks());
        assertEquals(nativeCalls, client.checkpointNativeCalls(), "a known site is not interned again");
    }

    @Test
    void aSecondCallSiteReusingTheLabelIsDiscoveredAndRegistered() throws Exception {
        int lineA = siteA(sdk);
        assertEquals(List.of((long) lineA), registeredLines(1));

        long walks = sdk.getSnapshotClient().stackWalks();
        int lineB = 0;
        for (int i = 0; i < LabelSites.PROBE_INTERVAL; i++) {
            lineB = siteB(sdk);
        }
        assertEquals(walks + 1, sdk.getSnapshotClient().stackWalks(), "one probe in PROBE_INTERVAL calls");
        List<Long> both = List.of((long) Math.min(lineA, lineB), (long) Math.max(lineA, lineB));
        assertEquals(both, registeredLines(2), "site B was registered under the same label");
    }

    @Test
    void anEnabledBreakpointOnEitherSiteCapturesWithThatSitesLocation() throws Exception {
        int lineA = siteA(sdk);
        int lineB = 0;
        for (int i = 0; i < LabelSites.PROBE_INTERVAL; i++) {
            lineB = siteB(sdk);
        }
        int siteBLine = lineB;
        assertNotNull(registeredLines(2), "site B was registered");

        enable(lineB);
        Map<String, Object> fromB = snapshotFrom(() -> siteB(sdk));
        assertNotNull(fromB, "no snapshot from site B");
        assertEquals(List.of(FILE, (long) siteBLine, "dev.tracekit.snapshot.LabelFastPathTest.siteB", LABEL),
                List.of(fromB.get("file_path"), fromB.get("line_number"), fromB.get("function_name"), fromB.get("label")));
        siteA(sdk); // its breakpoint is still disabled
        assertTrue(sdk.getSnapshotClient().flush(5000));
        assertEquals(List.of(), snapshotsAt(lineA));

        enable(lineA);
        Map<String, Object> fromA = snapshotFrom(() -> siteA(sdk));
        assertNotNull(fromA, "no snapshot from site A");
        assertEquals(List.of(FILE, (long) lineA, "dev.tracekit.snapshot.LabelFastPathTest.siteA", LABEL),
                List.of(fromA.get("file_path"), fromA.get("line_number"), fromA.get("function_name"), fromA.get("label")));
    }
}
