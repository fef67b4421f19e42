package dev.tracekit.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real tracekit-server (TRACEKIT_SERVER_BIN) on a free port with a
 * temporary database and a known admin key, shared by the whole run and
 * stopped when the JVM exits. Management API calls return the raw JSON;
 * tests look for the fields they assert.
 */
public final class TestServer {
    private static TestServer shared;

    public final String baseUrl;
    private final String adminKey;
    private final Process process;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private TestServer(String baseUrl, String adminKey, Process process) {
        this.baseUrl = baseUrl;
        this.adminKey = adminKey;
        this.process = process;
    }

    public static synchronized TestServer shared() throws Exception {
        if (shared == null) {
            shared = start();
        }
        return shared;
    }

    private static TestServer start() throws Exception {
        String binary = System.getenv("TRACEKIT_SERVER_BIN");
        if (binary == null || !Files.isExecutable(Path.of(binary))) {
            throw new IllegalStateException("TRACEKIT_SERVER_BIN must name the tracekit-server binary (got " + binary + ")");
        }
        Path directory = Files.createTempDirectory("tracekit-java");
        Path log = directory.resolve("server.log");
        String adminKey = "tk_junit_" + randomHex(16);
        Process process = new ProcessBuilder(binary, "--port", "0", "--database", directory.resolve("test.sqlite").toString(),
                "--admin-key", adminKey, "--auto-register-disabled").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            process.destroy();
            try {
                process.waitFor();
                try (var files = Files.walk(directory)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                }
            } catch (InterruptedException | IOException ignored) {
                // best effort
            }
        }));
        Pattern listening = Pattern.compile("listening on [^:\\s]+:(\\d+)");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            Matcher match = listening.matcher(Files.exists(log) ? Files.readString(log) : "");
            if (match.find()) {
                return new TestServer("http://127.0.0.1:" + match.group(1), adminKey, process);
            }
            Thread.sleep(20);
        }
        process.destroy();
        throw new IllegalStateException("tracekit-server did not report its port:\n" + Files.readString(log));
    }

    public static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        new SecureRandom().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    /** status and body of a management/SDK call with the admin key. */
    public Response api(String method, String path, String jsonBody) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(10))
                .header("X-API-Key", adminKey).header("Content-Type", "application/json")
                .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(jsonBody)).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        return new Response(response.statusCode(), response.body());
    }

    public String sdkKey(String service) throws Exception {
        Response response = api("POST", "/api/keys",
                "{\"name\":\"junit " + service + "\",\"role\":\"sdk\",\"services\":[\"" + service + "\"]}");
        if (response.status != 201) {
            throw new IllegalStateException("cannot create an SDK key: " + response.status);
        }
        return Json.get(Json.parse(response.body), "key");
    }

    public List<Map<String, Object>> breakpoints(String service) throws Exception {
        return Json.get(Json.parse(api("GET", "/api/breakpoints?service=" + service, null).body), "breakpoints");
    }

    public List<Map<String, Object>> snapshots(String service) throws Exception {
        return Json.get(Json.parse(api("GET", "/api/snapshots?service=" + service + "&limit=100", null).body),
                "snapshots");
    }

    /** The breakpoint auto-registered for label, once the server has it. */
    public Map<String, Object> registeredBreakpoint(String service, String label) {
        Map<String, Object> breakpoint = waitFor(() -> {
            try {
                return breakpoints(service).stream().filter(bp -> label.equals(bp.get("label"))).findFirst().orElse(null);
            } catch (Exception error) {
                return null;
            }
        }, 5000);
        if (breakpoint == null) {
            throw new IllegalStateException("site " + label + " was not auto-registered");
        }
        return breakpoint;
    }

    /** The service's snapshots once there are count of them (or what there is after 5 s). */
    public List<Map<String, Object>> snapshotsWhen(String service, int count) {
        return waitFor(() -> {
            try {
                List<Map<String, Object>> snapshots = snapshots(service);
                return snapshots.size() >= count ? snapshots : null;
            } catch (Exception error) {
                return null;
            }
        }, 5000);
    }

    public void setEnabled(String breakpointId, boolean enabled) throws Exception {
        Response response = api("PATCH", "/api/breakpoints/" + breakpointId, "{\"enabled\":" + enabled + "}");
        if (response.status != 200) {
            throw new IllegalStateException("cannot update the breakpoint: " + response.status);
        }
    }

    public void setKillSwitch(String service, boolean on) throws Exception {
        Response response = api("POST", "/api/services/" + service + "/kill-switch", "{\"enabled\":" + on + "}");
        if (response.status != 200) {
            throw new IllegalStateException("cannot set the kill switch: " + response.status);
        }
    }

    /** Calls probe until it returns non-null (and not FALSE) or timeoutMs passes; returns its last result. */
    public static <T> T waitFor(Supplier<T> probe, long timeoutMs) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        T result = probe.get();
        while ((result == null || Boolean.FALSE.equals(result)) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException error) {
                Thread.currentThread().interrupt();
                return result;
            }
            result = probe.get();
        }
        return result;
    }

    public static final class Response {
        public final int status;
        public final String body;

        Response(int status, String body) {
            this.status = status;
            this.body = body;
        }
    }
}
