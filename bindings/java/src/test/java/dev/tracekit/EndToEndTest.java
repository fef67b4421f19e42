package dev.tracekit;

import dev.tracekit.support.Json;
import dev.tracekit.support.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * examples/java/CheckoutService (embedded Jetty + TracekitFilter) in its own
 * JVM against a real tracekit-server: breakpoint through the management API
 * -> scrubbed snapshot with the request context stored; kill switch stops
 * captures. The classpath comes from build.sh (tracekit.example.classpath).
 */
class EndToEndTest {
    private static final String ORDER =
            "{\"email\":\"jane.doe@example.com\",\"card_number\":\"4111 1111 1111 1111\",\"total\":42.5}";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private TestServer server;
    private String service;
    private Process example;
    private Path log;
    private String baseUrl;

    @BeforeEach
    void startExample() throws Exception {
        server = TestServer.shared();
        service = "java-e2e-" + TestServer.randomHex(4);
        String classpath = System.getProperty("tracekit.example.classpath");
        assertNotNull(classpath, "run through bindings/java/build.sh (sets tracekit.example.classpath)");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        baseUrl = "http://127.0.0.1:" + port;
        log = Files.createTempFile("tracekit-java-example", ".log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, "CheckoutService").redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("TRACEKIT_API_KEY", server.sdkKey(service));
        builder.environment().put("TRACEKIT_SERVICE_NAME", service);
        builder.environment().put("TRACEKIT_ENDPOINT", server.baseUrl);
        builder.environment().put("TRACEKIT_POLL_INTERVAL_MS", "200");
        builder.environment().put("PORT", String.valueOf(port));
        example = builder.start();
        assertEquals(Boolean.TRUE, TestServer.waitFor(() -> get("/health") != null, 30_000),
                () -> "the example did not start: " + readLog());
    }

    @AfterEach
    void stopExample() throws Exception {
        example.destroy();
        example.waitFor();
        Files.deleteIfExists(log);
    }

    @Test
    void breakpointCaptureRedactionAndKillSwitchThroughTheExampleService() throws Exception {
        assertEquals(true, get("/health").get("code_monitoring"), this::readLog);
        assertEquals("paid", post("/checkout", ORDER).get("status"));

        Map<String, Object> breakpoint = server.registeredBreakpoint(service, "order-checkout");
        assertEquals("CheckoutService.checkout", breakpoint.get("function_name"));
        assertEquals("CheckoutService.java", breakpoint.get("file_path"));
        server.setEnabled((String) breakpoint.get("id"), true);
        assertEquals(Boolean.TRUE, TestServer.waitFor(() -> (Long) get("/tracekit/stats").get("breakpoints") > 0, 10_000));

        HttpResponse<String> captured = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/checkout"))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer secret-token")
                .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                .POST(HttpRequest.BodyPublishers.ofString(ORDER)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, captured.statusCode());
        List<Map<String, Object>> snapshots = server.snapshotsWhen(service, 1);
        assertEquals(1, snapshots.size());
        Map<String, Object> snapshot = snapshots.get(0);
        assertEquals("[REDACTED:email]", Json.get(snapshot, "variables", "email"));
        assertEquals("[REDACTED:credit_card]", Json.get(snapshot, "variables", "card_number"));
        assertEquals(42.5, (Double) Json.get(snapshot, "variables", "total"));
        assertEquals(List.of("POST", "/checkout"), List.of(Json.get(snapshot, "request_context", "method"),
                Json.get(snapshot, "request_context", "path")));
        assertEquals("[REDACTED:sensitive_name]", Json.get(snapshot, "request_context", "headers", "authorization"));
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", snapshot.get("trace_id"));
        assertFalse(server.snapshots(service).toString().contains("4111"));
        assertFalse(server.snapshots(service).toString().contains("secret-token"));

        server.setKillSwitch(service, true);
        assertEquals(Boolean.TRUE, TestServer.waitFor(() -> get("/tracekit/stats").get("kill_switch"), 10_000));
        for (int i = 0; i < 3; i++) {
            post("/checkout", ORDER);
        }
        Thread.sleep(500);
        assertEquals(1, server.snapshots(service).size());
        assertEquals(1L, get("/tracekit/stats").get("captured"));
    }

    private Map<String, Object> get(String path) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(baseUrl + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            return Json.object(response.body());
        } catch (Exception error) {
            return null;
        }
    }

    private Map<String, Object> post(String path, String body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        return Json.object(response.body());
    }

    private String readLog() {
        try {
            return Files.readString(log);
        } catch (Exception error) {
            return "(no log)";
        }
    }
}
