<?php

declare(strict_types=1);

namespace TraceKit\PHP\Native;

use FFI;

/**
 * One native client per process, kept across web requests.
 *
 * PHP frees every userland value (statics included) at the end of a request,
 * but a PHP-FPM worker (or `php -S`) serves many requests. The client's
 * address is therefore kept where the process keeps it and PHP does not
 * reset it: the C environment (libc setenv, not PHP's putenv, which PHP
 * restores per request), as "pid:address:config-digest". The pid makes a
 * forked child create its own client (the parent's is inert there); the
 * digest makes a changed configuration replace the client.
 */
final class ProcessClient
{
    private const VARIABLE = 'TRACEKIT_PHP_NATIVE_CLIENT';

    private static ?FFI $libc = null;

    /**
     * The process's client for this configuration: the existing one, or a new
     * one made by $create (which returns a tk_client * or throws), replacing
     * a client of another configuration.
     *
     * @param callable(): FFI\CData $create
     */
    public static function obtain(string $configDigest, callable $create): FFI\CData
    {
        $existing = self::read();
        if ($existing !== null && $existing['digest'] === $configDigest) {
            return $existing['client'];
        }
        $client = $create(); // throws on a bad configuration: the existing client stays
        if ($existing !== null) {
            self::release($existing['client']);
        }
        self::write($client, $configDigest);
        return $client;
    }

    /** Flushes (bounded by capture_timeout) and frees the process's client, if any. */
    public static function shutdown(): void
    {
        $existing = self::read();
        if ($existing !== null) {
            self::release($existing['client']);
        }
    }

    private static function release(FFI\CData $client): void
    {
        self::libc()->unsetenv(self::VARIABLE);
        Library::ffi()->tk_client_shutdown($client); // sends what is queued (bounded by capture_timeout)
        Library::ffi()->tk_client_free($client);
    }

    /** @return array{client: FFI\CData, digest: string}|null */
    private static function read(): ?array
    {
        $value = self::libc()->getenv(self::VARIABLE);
        if (Library::isNull($value)) {
            return null;
        }
        $parts = explode(':', FFI::string($value), 3);
        if (count($parts) !== 3 || (int) $parts[0] !== getmypid() || !ctype_digit($parts[1])) {
            return null;
        }
        return ['client' => Library::ffi()->cast('tk_client *', (int) $parts[1]), 'digest' => $parts[2]];
    }

    private static function write(FFI\CData $client, string $digest): void
    {
        $address = Library::ffi()->cast('uintptr_t', $client)->cdata;
        self::libc()->setenv(self::VARIABLE, getmypid() . ':' . $address . ':' . $digest, 1);
    }

    private static function libc(): FFI
    {
        return self::$libc ??= FFI::cdef(
            'char *getenv(const char *name); int setenv(const char *name, const char *value, int overwrite);'
            . ' int unsetenv(const char *name);',
            'libc.so.6'
        );
    }
}
