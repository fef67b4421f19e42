<?php

declare(strict_types=1);

namespace TraceKit\PHP;

/**
 * The application's TracekitClient, for the global helper tracekit_snapshot()
 * and the Laravel service provider. Made on first use from the TRACEKIT_*
 * environment (Config::fromEnvironment) unless init() gave a configuration.
 */
final class Tracekit
{
    private static ?TracekitClient $client = null;

    /** @param array<string, mixed> $config see Config; merged over the TRACEKIT_* environment */
    public static function init(array $config = []): TracekitClient
    {
        return self::$client = new TracekitClient($config + Config::fromEnvironment());
    }

    public static function client(): TracekitClient
    {
        return self::$client ??= self::init();
    }

    /** Forgets the application's client (its native client stays with the process). */
    public static function reset(): void
    {
        self::$client = null;
    }
}
