package dev.tracekit;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The SDK's configuration, as in the official Java SDK (apiKey, serviceName,
 * endpoint, environment, enableCodeMonitoring) plus the engine's capture
 * limits. Unset limits keep libtracekit's defaults (after its TRACEKIT_*
 * environment variables).
 */
public final class TracekitConfig {
    private final String apiKey;
    private final String serviceName;
    private final String endpoint;
    private final String environment;
    private final boolean enableCodeMonitoring;
    private final Integer captureDepth;
    private final Long maxPayload;
    private final Long captureTimeoutMs;
    private final Boolean piiScrubbing;
    private final Map<String, String> piiPatterns;
    private final Long pollIntervalMs;
    private final Boolean sse;
    private final Integer maxQueue;
    private final Double maxCapturesPerSecond;

    private TracekitConfig(Builder builder) {
        apiKey = builder.apiKey;
        serviceName = builder.serviceName;
        endpoint = builder.endpoint;
        environment = builder.environment;
        enableCodeMonitoring = builder.enableCodeMonitoring;
        captureDepth = builder.captureDepth;
        maxPayload = builder.maxPayload;
        captureTimeoutMs = builder.captureTimeoutMs;
        piiScrubbing = builder.piiScrubbing;
        piiPatterns = Collections.unmodifiableMap(new LinkedHashMap<>(builder.piiPatterns));
        pollIntervalMs = builder.pollIntervalMs;
        sse = builder.sse;
        maxQueue = builder.maxQueue;
        maxCapturesPerSecond = builder.maxCapturesPerSecond;
        if (apiKey == null || apiKey.trim().isEmpty()) {
            throw new IllegalArgumentException("apiKey is required and cannot be null or empty");
        }
        if (serviceName == null || serviceName.trim().isEmpty()) {
            throw new IllegalArgumentException("serviceName is required and cannot be null or empty");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public String getApiKey() { return apiKey; }
    public String getServiceName() { return serviceName; }
    public String getEndpoint() { return endpoint; }
    public String getEnvironment() { return environment; }
    public boolean isEnableCodeMonitoring() { return enableCodeMonitoring; }
    public Integer getCaptureDepth() { return captureDepth; }
    public Long getMaxPayload() { return maxPayload; }
    public Long getCaptureTimeoutMs() { return captureTimeoutMs; }
    public Boolean getPiiScrubbing() { return piiScrubbing; }
    public Map<String, String> getPiiPatterns() { return piiPatterns; }
    public Long getPollIntervalMs() { return pollIntervalMs; }
    public Boolean getSse() { return sse; }
    public Integer getMaxQueue() { return maxQueue; }
    public Double getMaxCapturesPerSecond() { return maxCapturesPerSecond; }

    @Override
    public String toString() { // never the API key
        return "TracekitConfig{serviceName=" + serviceName + ", endpoint=" + endpoint + ", environment="
                + environment + ", enableCodeMonitoring=" + enableCodeMonitoring + "}";
    }

    public static final class Builder {
        private String apiKey;
        private String serviceName;
        private String endpoint = "https://app.tracekit.dev/v1/traces";
        private String environment = "production";
        private boolean enableCodeMonitoring = false;
        private Integer captureDepth;
        private Long maxPayload;
        private Long captureTimeoutMs;
        private Boolean piiScrubbing;
        private final Map<String, String> piiPatterns = new LinkedHashMap<>();
        private Long pollIntervalMs;
        private Boolean sse;
        private Integer maxQueue;
        private Double maxCapturesPerSecond;

        private Builder() {
        }

        public Builder apiKey(String apiKey) { this.apiKey = apiKey; return this; }
        public Builder serviceName(String serviceName) { this.serviceName = serviceName; return this; }
        /** The backend's base URL; an OTLP ".../v1/traces" URL is accepted (its path is removed). */
        public Builder endpoint(String endpoint) { this.endpoint = endpoint; return this; }
        public Builder environment(String environment) {
            this.environment = environment == null || environment.trim().isEmpty() ? "production" : environment;
            return this;
        }
        public Builder enableCodeMonitoring(boolean enable) { this.enableCodeMonitoring = enable; return this; }
        /** Containers nested deeper are cut (0 = no limit of its own). Default 10. */
        public Builder captureDepth(int depth) { this.captureDepth = depth; return this; }
        /** The largest variables document in bytes (0 = unlimited). Default 65536. */
        public Builder maxPayload(long bytes) { this.maxPayload = bytes; return this; }
        /** Bounds each network request and shutdown (0 = none). Default 5000. */
        public Builder captureTimeoutMs(long ms) { this.captureTimeoutMs = ms; return this; }
        public Builder piiScrubbing(boolean enabled) { this.piiScrubbing = enabled; return this; }
        /** A PCRE2 pattern whose matches become [REDACTED:name]. */
        public Builder piiPattern(String name, String pcre2Pattern) { piiPatterns.put(name, pcre2Pattern); return this; }
        /** How often breakpoints are polled while SSE is not up (≥ 100). Default 30000. */
        public Builder pollIntervalMs(long ms) { this.pollIntervalMs = ms; return this; }
        /** Use the server's SSE stream when offered. Default true. */
        public Builder sse(boolean enabled) { this.sse = enabled; return this; }
        public Builder maxQueue(int snapshots) { this.maxQueue = snapshots; return this; }
        /** Process-wide capture budget (0 = unlimited). Default 100. */
        public Builder maxCapturesPerSecond(double perSecond) { this.maxCapturesPerSecond = perSecond; return this; }

        /** @throws IllegalArgumentException when apiKey or serviceName is missing */
        public TracekitConfig build() {
            return new TracekitConfig(this);
        }
    }
}
