package dev.tracekit.snapshot;

import dev.tracekit.TracekitConfig;
import dev.tracekit.internal.NativeClient;
import dev.tracekit.internal.Site;
import dev.tracekit.support.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LabelSites on real (inactive) sites of a native client: the probe countdown and the crowded label. */
class LabelSitesTest {
    private NativeClient client;

    @BeforeEach
    void setUp() throws Exception {
        TestServer server = TestServer.shared();
        String service = "java-sites-" + TestServer.randomHex(4);
        client = new NativeClient(TracekitConfig.builder().apiKey(server.sdkKey(service)).serviceName(service)
                .endpoint(server.baseUrl).enableCodeMonitoring(true).build());
    }

    @AfterEach
    void tearDown() {
        client.close();
    }

    private Site siteAtLine(int line) {
        return client.site("crowded", "app/Crowded.java", line, "app.Crowded.run");
    }

    @Test
    void quietUntilTheProbeIsDue() {
        LabelSites sites = new LabelSites();
        sites.seen(siteAtLine(1));
        for (int i = 1; i < LabelSites.PROBE_INTERVAL; i++) {
            assertTrue(sites.quiet(), "call " + i);
        }
        assertFalse(sites.quiet(), "the PROBE_INTERVAL-th call probes");
        sites.seen(siteAtLine(1));
        assertTrue(sites.quiet(), "a probe restarts the countdown");
    }

    @Test
    void aLabelBeyondMaxSitesAlwaysTakesTheLocatedPath() {
        LabelSites sites = new LabelSites();
        for (int line = 1; line <= LabelSites.MAX_SITES; line++) {
            sites.seen(siteAtLine(line));
        }
        assertTrue(sites.quiet(), "MAX_SITES inactive sites are still scanned");
        sites.seen(siteAtLine(LabelSites.MAX_SITES + 1));
        assertFalse(sites.quiet());
        sites.seen(siteAtLine(1));
        sites.seen(siteAtLine(LabelSites.MAX_SITES + 2));
        assertFalse(sites.quiet(), "a crowded label stays crowded");
    }
}
