package dev.tracekit.internal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

import java.nio.charset.StandardCharsets;

/**
 * libtracekit's C API through JNA direct mapping (the fastest JNA call path).
 * Strings go in as NUL-terminated UTF-8 byte arrays, so the platform's
 * default charset never matters.
 *
 * Which file: the TRACEKIT_LIBRARY environment variable (a path), else
 * "tracekit" found by the dynamic loader (libtracekit.so after make install).
 */
public final class NativeApi {
    /** This binding's version (VERSION; scripts/version.py keeps it equal). */
    public static final String BINDING_VERSION = "0.1.0";

    private static final Throwable LOAD_FAILURE;

    static {
        Throwable failure = null;
        try {
            String path = System.getenv("TRACEKIT_LIBRARY");
            Native.register(NativeApi.class, NativeLibrary.getInstance(
                    path != null && !path.isEmpty() ? path : "tracekit"));
            failure = versionMismatch(tk_version().getString(0, "UTF-8"), BINDING_VERSION);
        } catch (Throwable error) {
            failure = error;
        }
        LOAD_FAILURE = failure;
    }

    private NativeApi() {
    }

    /**
     * Null when library and binding share a major version, else why the
     * library is refused (its ABI may differ: the SONAME and the symbol
     * version node change with the major version).
     */
    public static Throwable versionMismatch(String library, String binding) {
        if (library.split("\\.")[0].equals(binding.split("\\.")[0])) {
            return null;
        }
        return new UnsatisfiedLinkError("libtracekit " + library + " is not compatible with this binding "
                + binding + " (the major versions differ)");
    }

    /** Null when the library is loaded, else why it is not. */
    public static Throwable loadFailure() {
        return LOAD_FAILURE;
    }

    public static byte[] cString(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        byte[] terminated = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, terminated, 0, bytes.length);
        return terminated;
    }

    /** The calling thread's last error message (never contains the API key). */
    public static String lastError() {
        Pointer message = tk_last_error();
        return message == null ? "" : message.getString(0, "UTF-8");
    }

    /** A library-owned string, released with tk_free. */
    public static String take(Pointer text) {
        if (text == null) {
            return null;
        }
        try {
            return text.getString(0, "UTF-8");
        } finally {
            tk_free(text);
        }
    }

    public static native Pointer tk_version();
    public static native Pointer tk_last_error();
    public static native void tk_free(Pointer pointer);
    public static native Pointer tk_options_new();
    public static native void tk_options_free(Pointer options);
    public static native int tk_options_set_api_key(Pointer options, byte[] value);
    public static native int tk_options_set_service_name(Pointer options, byte[] value);
    public static native int tk_options_set_endpoint(Pointer options, byte[] value);
    public static native int tk_options_set_code_monitoring(Pointer options, int enabled);
    public static native int tk_options_set_capture_depth(Pointer options, int depth);
    public static native int tk_options_set_max_payload(Pointer options, long bytes);
    public static native int tk_options_set_capture_timeout_ms(Pointer options, long ms);
    public static native int tk_options_set_pii_scrubbing(Pointer options, int enabled);
    public static native int tk_options_add_pii_pattern(Pointer options, byte[] name, byte[] pattern);
    public static native int tk_options_set_poll_interval_ms(Pointer options, long ms);
    public static native int tk_options_set_sse(Pointer options, int enabled);
    public static native int tk_options_set_max_queue(Pointer options, int snapshots);
    public static native int tk_options_set_max_captures_per_second(Pointer options, double perSecond);
    public static native Pointer tk_client_new(Pointer options);
    public static native int tk_client_flush(Pointer client, long timeoutMs);
    public static native Pointer tk_client_stats(Pointer client);
    public static native int tk_client_shutdown(Pointer client);
    public static native void tk_client_free(Pointer client);
    public static native Pointer tk_site_get(Pointer client, byte[] label, byte[] file, int line, byte[] function);
    public static native Pointer tk_site_active_cell(Pointer site);
    public static native int tk_site_capture(Pointer site, byte[] json, long length, byte[] context);
    public static native int tk_site_register(Pointer site);
}
