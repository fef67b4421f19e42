<?php

declare(strict_types=1);

namespace TraceKit\PHP;

use FFI;
use TraceKit\PHP\Native\Library;
use TraceKit\PHP\Native\ProcessClient;

/**
 * The entry point, as in the official tracekit/php-apm:
 *
 *     $tracekit = new TracekitClient([
 *         'api_key' => getenv('TRACEKIT_API_KEY'),
 *         'service_name' => 'my-php-app',
 *         'endpoint' => 'https://app.tracekit.dev',
 *         'code_monitoring_enabled' => true,
 *     ]);
 *     $tracekit->captureSnapshot('checkout-validation', ['user_id' => $userId]);
 *
 * Code monitoring runs on one native client per process, reused across the
 * requests a PHP-FPM worker serves (see Native\ProcessClient). Nothing here
 * throws: a configuration the library rejects, or a library that cannot be
 * loaded, leaves code monitoring off and the reason in lastError().
 * (Tracing with OpenTelemetry is not part of this package.)
 */
final class TracekitClient
{
    /** @var array<string, SnapshotClient> this request's clients by configuration digest (one in practice) */
    private static array $snapshotClients = [];
    /** The process $snapshotClients belong to: a forked child starts over. */
    private static int $pid = 0;
    private static bool $releaseAtExit = false;

    private ?SnapshotClient $snapshotClient = null;
    private ?string $lastError = null;

    /** @param array<string, mixed> $config see Config */
    public function __construct(array $config = [])
    {
        try {
            if (!($config['code_monitoring_enabled'] ?? false)) {
                return;
            }
            $this->snapshotClient = self::snapshotClientFor($config);
        } catch (\Throwable $error) {
            $this->lastError = $error->getMessage();
            error_log('TraceKit: code monitoring disabled: ' . $this->lastError);
        }
    }

    /**
     * Captures a snapshot of $variables here when a breakpoint for this call
     * site (function + label, or file + line) is enabled. Never throws.
     *
     * The parameters are untyped so that a wrong type is reported through
     * lastError() instead of a TypeError in the caller.
     *
     * @param string $label
     * @param array<mixed> $variables
     * @param array<string, mixed>|null $requestContext replaces the request from the middleware or $_SERVER
     */
    public function captureSnapshot(mixed $label, mixed $variables = [], mixed $requestContext = null): void
    {
        try {
            if ($this->snapshotClient !== null) {
                $caller = debug_backtrace(DEBUG_BACKTRACE_IGNORE_ARGS, 1)[0];
                $this->snapshotClient->checkpoint($caller['file'] ?? '', $caller['line'] ?? 0, $label, $variables,
                    $requestContext, 1);
            }
        } catch (\Throwable $error) {
            $this->lastError = $error->getMessage();
        }
    }

    public function getSnapshotClient(): ?SnapshotClient
    {
        return $this->snapshotClient;
    }

    public function isCodeMonitoringEnabled(): bool
    {
        return $this->snapshotClient !== null;
    }

    /** php-apm's pollBreakpoints: the engine syncs on its own threads; kept for compatibility. */
    public function pollBreakpoints(): void
    {
    }

    /** Waits (at most $timeoutSeconds) until queued snapshots are sent. */
    public function flush(float $timeoutSeconds = 5.0): bool
    {
        return $this->snapshotClient?->flush($timeoutSeconds) ?? false;
    }

    /**
     * Sends what is queued (bounded by capture_timeout) and frees the
     * process's native client. Later checkpoints of any TracekitClient of
     * this process are no-ops until one is created again. CLI scripts need
     * not call it: the process's client is released at exit.
     */
    public function shutdown(): void
    {
        try {
            $this->snapshotClient = null;
            self::release();
        } catch (\Throwable $error) {
            $this->lastError = $error->getMessage();
        }
    }

    /** Why code monitoring is off, or the last failure of a call, if any. */
    public function lastError(): ?string
    {
        return $this->lastError ?? $this->snapshotClient?->lastError();
    }

    /**
     * The SnapshotClient over the process's native client for $config,
     * shared by every TracekitClient of the request.
     *
     * @param array<string, mixed> $config
     */
    private static function snapshotClientFor(array $config): SnapshotClient
    {
        $digest = self::digest($config);
        if (self::$pid !== getmypid()) {
            // Forked: the parent's clients are inert here (the library says so); make this process's own.
            self::$snapshotClients = [];
            self::$pid = getmypid();
        }
        if (isset(self::$snapshotClients[$digest])) {
            return self::$snapshotClients[$digest];
        }
        $client = ProcessClient::obtain($digest, static function () use ($config): FFI\CData {
            $options = Config::toOptions($config);
            $client = Library::ffi()->tk_client_new($options);
            Library::ffi()->tk_options_free($options);
            if (Library::isNull($client)) {
                throw new TracekitException('cannot start code monitoring: ' . Library::lastError());
            }
            return $client;
        });
        foreach (self::$snapshotClients as $replaced) {
            $replaced->detach(); // ProcessClient has freed the client of the other configuration
        }
        if (!Config::isWebRequestMode() && !self::$releaseAtExit) {
            // CLI and workers: send what is queued before the process exits.
            // Web requests keep the client for the next request instead.
            register_shutdown_function(static fn () => self::release());
            self::$releaseAtExit = true;
        }
        self::$snapshotClients = [$digest => new SnapshotClient($client)];
        return self::$snapshotClients[$digest];
    }

    /** Detaches every SnapshotClient of the request, then frees the process's native client. */
    private static function release(): void
    {
        foreach (self::$snapshotClients as $snapshotClient) {
            $snapshotClient->detach();
        }
        self::$snapshotClients = [];
        ProcessClient::shutdown();
    }

    /** @param array<string, mixed> $config */
    private static function digest(array $config): string
    {
        ksort($config);
        return substr(hash('sha256', serialize($config) . "\0" . PHP_SAPI), 0, 16);
    }
}
