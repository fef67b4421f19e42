package dev.tracekit;

import dev.tracekit.internal.NativeClient;
import dev.tracekit.snapshot.SnapshotClient;

import java.util.Map;
import java.util.Objects;
import java.util.logging.Logger;

/**
 * The entry point, as in the official Java SDK:
 *
 *     TracekitSDK sdk = TracekitSDK.builder()
 *         .apiKey(System.getenv("TRACEKIT_API_KEY"))
 *         .serviceName("order-service")
 *         .enableCodeMonitoring(true)
 *         .build();
 *     sdk.captureSnapshot("order_processing", Map.of("orderId", order.getId()));
 *
 * Code monitoring runs on libtracekit. A library that cannot be loaded or an
 * option it rejects leaves code monitoring off (getLastError() says why);
 * checkpoints never throw. (OpenTelemetry tracing is not part of this library.)
 */
public final class TracekitSDK {
    private static final Logger LOG = Logger.getLogger(TracekitSDK.class.getName());

    private final TracekitConfig config;
    private final SnapshotClient snapshotClient;
    private final String lastError;

    private TracekitSDK(TracekitConfig config) {
        this.config = Objects.requireNonNull(config, "config must not be null");
        NativeClient client = null;
        String error = null;
        if (config.isEnableCodeMonitoring()) {
            try {
                client = new NativeClient(config);
            } catch (Throwable failure) {
                error = failure.getMessage();
                LOG.warning("TraceKit: code monitoring disabled: " + error);
            }
        }
        this.snapshotClient = new SnapshotClient(client);
        this.lastError = error;
    }

    /** @throws NullPointerException when config is null */
    public static TracekitSDK create(TracekitConfig config) {
        return new TracekitSDK(config);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Captures a snapshot here when a breakpoint for this call site is enabled. Never throws. */
    public void captureSnapshot(String label, Map<String, ?> variables) {
        snapshotClient.checkAndCaptureWithContext(label, variables);
    }

    public SnapshotClient getSnapshotClient() {
        return snapshotClient;
    }

    public boolean isCodeMonitoringEnabled() {
        return config.isEnableCodeMonitoring() && lastError == null;
    }

    /** Why code monitoring is off, or the last failure inside a checkpoint. */
    public String getLastError() {
        return lastError != null ? lastError : snapshotClient.getLastError();
    }

    public String getServiceName() {
        return config.getServiceName();
    }

    /** Sends what is queued (bounded by captureTimeoutMs) and frees the native client. Idempotent. */
    public void shutdown() {
        snapshotClient.stop();
    }

    /** The official SDK's builder, delegating to TracekitConfig.Builder. */
    public static final class Builder {
        private final TracekitConfig.Builder config = TracekitConfig.builder();

        private Builder() {
        }

        public Builder apiKey(String apiKey) { config.apiKey(apiKey); return this; }
        public Builder serviceName(String serviceName) { config.serviceName(serviceName); return this; }
        public Builder endpoint(String endpoint) { config.endpoint(endpoint); return this; }
        public Builder environment(String environment) { config.environment(environment); return this; }
        public Builder enableCodeMonitoring(boolean enable) { config.enableCodeMonitoring(enable); return this; }

        /** @throws IllegalArgumentException when apiKey or serviceName is missing */
        public TracekitSDK build() {
            return new TracekitSDK(config.build());
        }
    }
}
