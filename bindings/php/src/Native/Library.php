<?php

declare(strict_types=1);

namespace TraceKit\PHP\Native;

use FFI;

/**
 * libtracekit through PHP's FFI extension: the declarations of tracekit.h
 * this package uses, and the library kept loaded for the whole process.
 *
 * Why the library is pinned: PHP unloads (dlclose) a library when its FFI
 * object is freed, which happens at the end of every web request. The
 * client's threads run inside libtracekit and outlive the request, so the
 * library is opened once more with RTLD_NODELETE: it stays mapped until the
 * process exits.
 *
 * Which file: the TRACEKIT_LIBRARY environment variable (a path), else
 * "libtracekit.so.0" found by the dynamic loader (after `make install`).
 */
final class Library
{
    /** This package's version (VERSION; scripts/version.py keeps it equal). */
    public const BINDING_VERSION = '0.1.0';

    private const RTLD_NOW = 0x2;
    private const RTLD_NODELETE = 0x1000;

    /**
     * The subset of tracekit.h used here, without macros (FFI parses C
     * declarations only). tk_client_stats returns void * rather than char *:
     * its string is owned by the caller and must reach tk_free, so it must
     * stay a pointer (FFI converts only const char * results to PHP strings).
     */
    private const DECLARATIONS = <<<'C'
        typedef struct tk_options tk_options;
        typedef struct tk_client tk_client;
        typedef struct tk_site tk_site;
        const char *tk_version(void);
        const char *tk_last_error(void);
        void tk_free(void *pointer);
        tk_options *tk_options_new(void);
        void tk_options_free(tk_options *options);
        int tk_options_set_api_key(tk_options *options, const char *api_key);
        int tk_options_set_service_name(tk_options *options, const char *service_name);
        int tk_options_set_endpoint(tk_options *options, const char *base_url);
        int tk_options_set_code_monitoring(tk_options *options, int enabled);
        int tk_options_set_capture_depth(tk_options *options, int32_t depth);
        int tk_options_set_max_payload(tk_options *options, int64_t bytes);
        int tk_options_set_max_string_length(tk_options *options, int64_t bytes);
        int tk_options_set_capture_timeout_ms(tk_options *options, int64_t ms);
        int tk_options_set_pii_scrubbing(tk_options *options, int enabled);
        int tk_options_add_pii_pattern(tk_options *options, const char *name, const char *pcre2_pattern);
        int tk_options_set_circuit_breaker(tk_options *options, int32_t max_failures, int64_t window_ms, int64_t cooldown_ms);
        int tk_options_set_poll_interval_ms(tk_options *options, int64_t ms);
        int tk_options_set_sse(tk_options *options, int enabled);
        int tk_options_set_max_queue(tk_options *options, int32_t snapshots);
        int tk_options_set_max_captures_per_second(tk_options *options, double per_second);
        tk_client *tk_client_new(const tk_options *options);
        int tk_client_flush(tk_client *client, int64_t timeout_ms);
        void *tk_client_stats(tk_client *client);
        int tk_client_shutdown(tk_client *client);
        void tk_client_free(tk_client *client);
        tk_site *tk_site_get(tk_client *client, const char *label, const char *file, int32_t line, const char *function);
        const int32_t *tk_site_active_cell(const tk_site *site);
        int tk_site_capture(tk_site *site, const char *variables_json, size_t len, const char *context_json);
        int tk_site_register(tk_site *site);
        C;

    private static ?FFI $ffi = null;

    /**
     * The loaded library. Throws \FFI\Exception when FFI is disabled for this
     * SAPI (ffi.enable) or the library cannot be loaded; callers turn that
     * into a disabled client.
     */
    public static function ffi(): FFI
    {
        if (self::$ffi === null) {
            $path = self::path();
            self::pin($path);
            $ffi = FFI::cdef(self::DECLARATIONS, $path);
            self::checkVersion((string) $ffi->tk_version());
            self::$ffi = $ffi;
        }
        return self::$ffi;
    }

    /**
     * Refuses a libtracekit of another major version (its ABI may differ: the
     * SONAME and the symbol version node change with the major version).
     */
    public static function checkVersion(string $library, string $wanted = self::BINDING_VERSION): void
    {
        if (explode('.', $library)[0] !== explode('.', $wanted)[0]) {
            throw new FFI\Exception("libtracekit {$library} is not compatible with this package {$wanted} (the major versions differ)");
        }
    }

    public static function path(): string
    {
        $configured = getenv('TRACEKIT_LIBRARY');
        return is_string($configured) && $configured !== '' ? $configured : 'libtracekit.so.0';
    }

    /** The last error message of the calling thread (never contains the API key). */
    public static function lastError(): string
    {
        return (string) self::ffi()->tk_last_error();
    }

    /** Whether a pointer result is NULL (FFI returns a NULL pointer as PHP null). */
    public static function isNull(?FFI\CData $pointer): bool
    {
        return $pointer === null || FFI::isNull($pointer);
    }

    /** A library-owned C string as PHP string, released with tk_free. */
    public static function takeString(?FFI\CData $pointer): ?string
    {
        if (self::isNull($pointer)) {
            return null;
        }
        $text = FFI::string(FFI::cast('char *', $pointer));
        self::ffi()->tk_free($pointer);
        return $text;
    }

    private static function pin(string $path): void
    {
        $libc = FFI::cdef('void *dlopen(const char *filename, int flags);', 'libc.so.6');
        $handle = $libc->dlopen($path, self::RTLD_NOW | self::RTLD_NODELETE);
        if (self::isNull($handle)) {
            throw new FFI\Exception("cannot load {$path}");
        }
    }
}
