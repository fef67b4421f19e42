<?php

declare(strict_types=1);

namespace TraceKit\PHP;

use FFI;
use TraceKit\PHP\Native\Library;

/**
 * The configuration array of TracekitClient (the official php-apm's keys,
 * plus the engine's capture limits) turned into native options.
 *
 *   api_key, service_name, endpoint, code_monitoring_enabled  as in php-apm
 *   capture_depth, max_payload, max_string_length              capture limits
 *   capture_timeout (seconds), pii_scrubbing, pii_patterns (name => PCRE2)
 *   circuit_breaker [max_failures, window_ms, cooldown_ms]
 *   poll_interval (seconds), sse (bool; default: on for CLI, off for web)
 *   max_queue, max_captures_per_second
 *
 * Anything not given keeps the library's default, after its own TRACEKIT_*
 * environment variables.
 */
final class Config
{
    /** Keys whose values go through one options setter each. */
    private const SETTERS = [
        'api_key' => ['tk_options_set_api_key', 'string'],
        'service_name' => ['tk_options_set_service_name', 'string'],
        'endpoint' => ['tk_options_set_endpoint', 'string'],
        'capture_depth' => ['tk_options_set_capture_depth', 'int'],
        'max_payload' => ['tk_options_set_max_payload', 'int'],
        'max_string_length' => ['tk_options_set_max_string_length', 'int'],
        'max_queue' => ['tk_options_set_max_queue', 'int'],
        'max_captures_per_second' => ['tk_options_set_max_captures_per_second', 'float'],
        'pii_scrubbing' => ['tk_options_set_pii_scrubbing', 'bool'],
        'code_monitoring_enabled' => ['tk_options_set_code_monitoring', 'bool'],
        'sse' => ['tk_options_set_sse', 'bool'],
    ];

    /** Keys this class knows, besides SETTERS. */
    private const OTHER_KEYS = ['capture_timeout', 'poll_interval', 'pii_patterns', 'circuit_breaker'];

    /**
     * The configuration a Laravel app gives in .env, as the product
     * documentation names it: TRACEKIT_API_KEY, TRACEKIT_SERVICE_NAME,
     * TRACEKIT_ENDPOINT, TRACEKIT_CODE_MONITORING_ENABLED,
     * TRACEKIT_CODE_MONITORING_POLL_INTERVAL (seconds).
     *
     * @param array<string, string|false> $environment defaults to getenv()
     * @return array<string, mixed>
     */
    public static function fromEnvironment(?array $environment = null): array
    {
        $environment ??= getenv();
        $config = [];
        foreach (['api_key' => 'TRACEKIT_API_KEY', 'service_name' => 'TRACEKIT_SERVICE_NAME',
                  'endpoint' => 'TRACEKIT_ENDPOINT'] as $key => $variable) {
            if (($environment[$variable] ?? '') !== '') {
                $config[$key] = (string) $environment[$variable];
            }
        }
        $enabled = $environment['TRACEKIT_CODE_MONITORING_ENABLED'] ?? '';
        if ($enabled !== '') {
            $config['code_monitoring_enabled'] = filter_var($enabled, FILTER_VALIDATE_BOOLEAN, FILTER_NULL_ON_FAILURE)
                ?? $enabled;
        }
        $interval = $environment['TRACEKIT_CODE_MONITORING_POLL_INTERVAL'] ?? '';
        if ($interval !== '') {
            $config['poll_interval'] = is_numeric($interval) ? +$interval : $interval;
        }
        return $config;
    }

    /** Whether this process serves web requests (polling only) rather than running as CLI/worker (SSE). */
    public static function isWebRequestMode(): bool
    {
        return !in_array(PHP_SAPI, ['cli', 'phpdbg', 'embed'], true);
    }

    /**
     * New native options for $config. Throws TracekitException naming the
     * first invalid key (with the library's message); the caller turns it
     * into a disabled client.
     *
     * @param array<string, mixed> $config
     */
    public static function toOptions(array $config): FFI\CData
    {
        $ffi = Library::ffi();
        $options = $ffi->tk_options_new();
        if (Library::isNull($options)) {
            throw new TracekitException('invalid TRACEKIT_* environment: ' . Library::lastError());
        }
        try {
            $config['sse'] ??= !self::isWebRequestMode(); // polling only in web requests
            foreach ($config as $key => $value) {
                self::apply($options, (string) $key, $value);
            }
            return $options;
        } catch (\Throwable $error) {
            $ffi->tk_options_free($options);
            throw $error;
        }
    }

    private static function apply(FFI\CData $options, string $key, mixed $value): void
    {
        $ffi = Library::ffi();
        if ($value === null) {
            return;
        }
        if (isset(self::SETTERS[$key])) {
            [$setter, $type] = self::SETTERS[$key];
            self::check($ffi->$setter($options, self::typed($key, $value, $type)), $key);
            return;
        }
        switch ($key) {
            case 'capture_timeout':
                self::check($ffi->tk_options_set_capture_timeout_ms($options, self::milliseconds($key, $value)), $key);
                return;
            case 'poll_interval':
                self::check($ffi->tk_options_set_poll_interval_ms($options, self::milliseconds($key, $value)), $key);
                return;
            case 'pii_patterns':
                foreach (self::typed($key, $value, 'array') as $name => $pattern) {
                    self::check($ffi->tk_options_add_pii_pattern($options, (string) $name,
                        self::typed($key, $pattern, 'string')), $key);
                }
                return;
            case 'circuit_breaker':
                $breaker = self::typed($key, $value, 'array') + ['max_failures' => 3, 'window_ms' => 60000,
                                                               'cooldown_ms' => 300000];
                self::check($ffi->tk_options_set_circuit_breaker($options,
                    self::typed($key, $breaker['max_failures'], 'int'), self::typed($key, $breaker['window_ms'], 'int'),
                    self::typed($key, $breaker['cooldown_ms'], 'int')), $key);
                return;
        }
        if (!in_array($key, self::OTHER_KEYS, true)) {
            throw new TracekitException("unknown configuration key \"{$key}\"");
        }
    }

    private static function typed(string $key, mixed $value, string $type): mixed
    {
        $ok = match ($type) {
            'string' => is_string($value),
            'int' => is_int($value),
            'float' => is_int($value) || is_float($value),
            'bool' => is_bool($value),
            'array' => is_array($value),
        };
        if (!$ok) {
            throw new TracekitException("{$key} must be of type {$type}, " . get_debug_type($value) . ' given');
        }
        return $type === 'bool' ? (int) $value : ($type === 'float' ? (float) $value : $value);
    }

    private static function milliseconds(string $key, mixed $seconds): int
    {
        $seconds = self::typed($key, $seconds, 'float');
        if (!is_finite($seconds) || $seconds < 0 || $seconds > 86400) {
            throw new TracekitException("{$key} must be between 0 and 86400 seconds");
        }
        return (int) round($seconds * 1000);
    }

    private static function check(int $status, string $key): void
    {
        if ($status !== 0) {
            throw new TracekitException("invalid {$key}: " . Library::lastError());
        }
    }
}
