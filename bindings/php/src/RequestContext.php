<?php

declare(strict_types=1);

namespace TraceKit\PHP;

/**
 * The request a checkpoint runs in, for the snapshot's request_context and
 * trace ids. Built only when a capture happens.
 *
 * The source is the request the middleware is handling (withRequest), else,
 * in a web SAPI, the SAPI globals ($_SERVER). A CLI process has none.
 * The engine redacts sensitive headers (Authorization, Cookie, X-API-Key, ...)
 * and scrubs the other values.
 */
final class RequestContext
{
    private const TRACEPARENT = '/^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/';
    private const MAX_HEADERS = 100;

    /** @var array<string, mixed>|null the server parameters of the request in progress */
    private static ?array $current = null;

    /**
     * Runs $handler with $server (a $_SERVER-shaped array) as the current
     * request, restoring the previous one afterwards, also on exceptions.
     *
     * @template T
     * @param array<string, mixed> $server
     * @param callable(): T $handler
     * @return T
     */
    public static function withRequest(array $server, callable $handler): mixed
    {
        $previous = self::$current;
        self::$current = $server;
        try {
            return $handler();
        } finally {
            self::$current = $previous;
        }
    }

    /**
     * The members of tk_capture's context_json for the current request:
     * "request", "trace_id", "span_id"; [] when there is no request.
     *
     * @return array<string, mixed>
     */
    public static function current(): array
    {
        $server = self::$current ?? (Config::isWebRequestMode() ? $_SERVER : null);
        return $server === null ? [] : self::fromServer($server);
    }

    /**
     * @param array<string, mixed> $server
     * @return array<string, mixed>
     */
    public static function fromServer(array $server): array
    {
        $context = ['request' => self::request($server)];
        $traceparent = strtolower(trim((string) ($server['HTTP_TRACEPARENT'] ?? '')));
        if (preg_match(self::TRACEPARENT, $traceparent, $ids) === 1
            && $ids[1] !== str_repeat('0', 32) && $ids[2] !== str_repeat('0', 16)) {
            $context['trace_id'] = $ids[1];
            $context['span_id'] = $ids[2];
        }
        return $context;
    }

    /**
     * @param array<string, mixed> $server
     * @return array<string, mixed>
     */
    private static function request(array $server): array
    {
        $uri = (string) ($server['REQUEST_URI'] ?? '/');
        $path = (string) (parse_url($uri, PHP_URL_PATH) ?? '/');
        $query = (string) ($server['QUERY_STRING'] ?? (parse_url($uri, PHP_URL_QUERY) ?? ''));
        $https = strtolower((string) ($server['HTTPS'] ?? ''));
        $scheme = $https !== '' && $https !== 'off' ? 'https' : 'http';
        $host = (string) ($server['HTTP_HOST'] ?? (($server['SERVER_NAME'] ?? 'localhost')
            . (isset($server['SERVER_PORT']) ? ':' . $server['SERVER_PORT'] : '')));
        return [
            'method' => (string) ($server['REQUEST_METHOD'] ?? ''),
            'path' => $path,
            'url' => "{$scheme}://{$host}{$path}" . ($query === '' ? '' : "?{$query}"),
            'remote_addr' => self::remoteAddress($server),
            'user_agent' => (string) ($server['HTTP_USER_AGENT'] ?? ''),
            'query' => $query,
            'headers' => self::headers($server),
        ];
    }

    /** @param array<string, mixed> $server */
    private static function remoteAddress(array $server): string
    {
        $forwarded = trim(explode(',', (string) ($server['HTTP_X_FORWARDED_FOR'] ?? ''))[0]);
        if ($forwarded !== '') {
            return $forwarded;
        }
        return (string) ($server['HTTP_X_REAL_IP'] ?? ($server['REMOTE_ADDR'] ?? ''));
    }

    /**
     * HTTP_* entries as lower-case header names (at most MAX_HEADERS).
     *
     * @param array<string, mixed> $server
     * @return array<string, string>
     */
    private static function headers(array $server): array
    {
        $headers = [];
        foreach ($server as $name => $value) {
            $name = (string) $name;
            if (!is_scalar($value)) {
                continue;
            }
            if (str_starts_with($name, 'HTTP_')) {
                $header = substr($name, 5);
            } elseif ($name === 'CONTENT_TYPE' || $name === 'CONTENT_LENGTH') {
                $header = $name;
            } else {
                continue;
            }
            $headers[strtolower(str_replace('_', '-', $header))] = (string) $value;
            if (count($headers) >= self::MAX_HEADERS) {
                break;
            }
        }
        return $headers;
    }
}
