package dev.tracekit.internal;

import com.sun.jna.Pointer;
import dev.tracekit.TracekitConfig;

import java.util.Map;

import static dev.tracekit.internal.NativeApi.cString;

/** TracekitConfig -> tk_options. A value the library rejects is an error naming the option. */
public final class NativeOptions {
    private NativeOptions() {
    }

    /** New options (free with tk_options_free). @throws IllegalArgumentException naming the bad option */
    public static Pointer create(TracekitConfig config) {
        Pointer options = NativeApi.tk_options_new();
        if (options == null) {
            throw new IllegalArgumentException("invalid TRACEKIT_* environment: " + NativeApi.lastError());
        }
        try {
            apply(options, config);
            return options;
        } catch (RuntimeException error) {
            NativeApi.tk_options_free(options);
            throw error;
        }
    }

    private static void apply(Pointer options, TracekitConfig config) {
        check(NativeApi.tk_options_set_api_key(options, cString(config.getApiKey())), "apiKey");
        check(NativeApi.tk_options_set_service_name(options, cString(config.getServiceName())), "serviceName");
        if (config.getEndpoint() != null) {
            check(NativeApi.tk_options_set_endpoint(options, cString(config.getEndpoint())), "endpoint");
        }
        check(NativeApi.tk_options_set_code_monitoring(options, config.isEnableCodeMonitoring() ? 1 : 0),
                "enableCodeMonitoring");
        if (config.getCaptureDepth() != null) {
            check(NativeApi.tk_options_set_capture_depth(options, config.getCaptureDepth()), "captureDepth");
        }
        if (config.getMaxPayload() != null) {
            check(NativeApi.tk_options_set_max_payload(options, config.getMaxPayload()), "maxPayload");
        }
        if (config.getCaptureTimeoutMs() != null) {
            check(NativeApi.tk_options_set_capture_timeout_ms(options, config.getCaptureTimeoutMs()), "captureTimeoutMs");
        }
        if (config.getPiiScrubbing() != null) {
            check(NativeApi.tk_options_set_pii_scrubbing(options, config.getPiiScrubbing() ? 1 : 0), "piiScrubbing");
        }
        for (Map.Entry<String, String> pattern : config.getPiiPatterns().entrySet()) {
            check(NativeApi.tk_options_add_pii_pattern(options, cString(pattern.getKey()),
                    cString(pattern.getValue())), "piiPattern");
        }
        if (config.getPollIntervalMs() != null) {
            check(NativeApi.tk_options_set_poll_interval_ms(options, config.getPollIntervalMs()), "pollIntervalMs");
        }
        if (config.getSse() != null) {
            check(NativeApi.tk_options_set_sse(options, config.getSse() ? 1 : 0), "sse");
        }
        if (config.getMaxQueue() != null) {
            check(NativeApi.tk_options_set_max_queue(options, config.getMaxQueue()), "maxQueue");
        }
        if (config.getMaxCapturesPerSecond() != null) {
            check(NativeApi.tk_options_set_max_captures_per_second(options, config.getMaxCapturesPerSecond()),
                    "maxCapturesPerSecond");
        }
    }

    private static void check(int status, String option) {
        if (status != 0) {
            throw new IllegalArgumentException("invalid " + option + ": " + NativeApi.lastError());
        }
    }
}
