import dev.tracekit.TracekitConfig;
import dev.tracekit.TracekitSDK;
import dev.tracekit.servlet.TracekitFilter;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.servlet.FilterHolder;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;

import javax.servlet.DispatcherType;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small checkout service on embedded Jetty 9 with TracekitFilter (request
 * context) and a TraceKit checkpoint in the checkout handler. Its variables
 * include an email and a card number: the snapshot shows them as
 * [REDACTED:email] and [REDACTED:credit_card].
 *
 *   bindings/java/build.sh                      # builds the library and this example
 *   TRACEKIT_API_KEY=<key> TRACEKIT_ENDPOINT=http://127.0.0.1:7070 \
 *     java -cp "$(bindings/java/build.sh --example-classpath)" CheckoutService   # PORT, default 8085
 *   curl -X POST -d '{"email":"jane.doe@example.com","card_number":"4111 1111 1111 1111","total":42.5}' \
 *     http://127.0.0.1:8085/checkout
 *
 * Enable the breakpoint "order-checkout" (function "CheckoutService.checkout")
 * in the dashboard or with the management API; the next request is captured.
 */
public final class CheckoutService {
    private static final Pattern FIELD = Pattern.compile("\"(email|card_number|total)\"\\s*:\\s*(\"[^\"]*\"|[0-9.]+)");

    private CheckoutService() {
    }

    /** The handler: "charges" the card. */
    static Map<String, Object> checkout(TracekitSDK tracekit, Map<String, String> order) {
        String orderId = "ord_" + System.currentTimeMillis();
        double total = Double.parseDouble(order.getOrDefault("total", "0"));
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("order_id", orderId);
        variables.put("email", order.get("email"));
        variables.put("card_number", order.get("card_number"));
        variables.put("total", total);
        tracekit.captureSnapshot("order-checkout", variables);
        return Map.of("order_id", orderId, "status", "paid", "total", total);
    }

    /** The few fields of the order (a JSON object of strings and numbers). */
    static Map<String, String> parseOrder(String body) {
        Map<String, String> order = new LinkedHashMap<>();
        Matcher field = FIELD.matcher(body);
        while (field.find()) {
            order.put(field.group(1), field.group(2).replace("\"", ""));
        }
        return order;
    }

    static final class Routes extends HttpServlet {
        private final TracekitSDK tracekit;

        Routes(TracekitSDK tracekit) {
            this.tracekit = tracekit;
        }

        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
            if (!"/checkout".equals(request.getRequestURI())) {
                respond(response, 404, "{\"error\":\"not found\"}");
                return;
            }
            String body = new String(request.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, Object> result = checkout(tracekit, parseOrder(body));
            respond(response, 200, "{\"order_id\":\"" + result.get("order_id") + "\",\"status\":\"paid\",\"total\":"
                    + result.get("total") + "}");
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            switch (request.getRequestURI()) {
                case "/health":
                    respond(response, 200, "{\"status\":\"ok\",\"code_monitoring\":" + tracekit.isCodeMonitoringEnabled() + "}");
                    break;
                case "/tracekit/stats": // the engine's counters, for this demo
                    StringBuilder json = new StringBuilder("{");
                    tracekit.getSnapshotClient().getStats().forEach((key, value) -> json.append(json.length() > 1 ? "," : "")
                            .append('"').append(key).append("\":").append(value instanceof String ? "\"" + value + "\"" : value));
                    respond(response, 200, json.append('}').toString());
                    break;
                default:
                    respond(response, 404, "{\"error\":\"not found\"}");
            }
        }

        private static void respond(HttpServletResponse response, int status, String json) throws IOException {
            response.setStatus(status);
            response.setContentType("application/json");
            response.getOutputStream().write(json.getBytes(StandardCharsets.UTF_8));
        }
    }

    public static void main(String[] args) throws Exception {
        String apiKey = System.getenv("TRACEKIT_API_KEY");
        if (apiKey == null || apiKey.isEmpty()) {
            System.err.println("set TRACEKIT_API_KEY");
            System.exit(2);
        }
        TracekitConfig.Builder config = TracekitConfig.builder()
                .apiKey(apiKey)
                .serviceName(System.getenv().getOrDefault("TRACEKIT_SERVICE_NAME", "checkout-java"))
                .endpoint(System.getenv().getOrDefault("TRACEKIT_ENDPOINT", "http://127.0.0.1:7070"))
                .enableCodeMonitoring(true);
        String pollIntervalMs = System.getenv("TRACEKIT_POLL_INTERVAL_MS"); // default 30 s until SSE is up
        if (pollIntervalMs != null) {
            config.pollIntervalMs(Long.parseLong(pollIntervalMs));
        }
        TracekitSDK tracekit = TracekitSDK.create(config.build());

        Server server = new Server(new java.net.InetSocketAddress("127.0.0.1",
                Integer.parseInt(System.getenv().getOrDefault("PORT", "8085"))));
        ServletContextHandler context = new ServletContextHandler();
        context.addFilter(new FilterHolder(new TracekitFilter()), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new Routes(tracekit)), "/*");
        server.setHandler(context);
        server.setStopAtShutdown(true);
        Runtime.getRuntime().addShutdownHook(new Thread(tracekit::shutdown));
        server.start();
        System.out.println("checkout-java listening on http://127.0.0.1:" + server.getURI().getPort());
        server.join();
    }
}
