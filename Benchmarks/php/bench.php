<?php

/*
 * The PHP binding's checkpoint cost against tracekit-server on loopback
 * (same payload as the Python/Ruby benchmarks):
 *   baseline  an empty PHP function call with the same arguments
 *   inactive  the breakpoint exists but is disabled (no FFI call)
 *   active    the breakpoint is enabled: every call captures (rate limit off)
 * Median and p99 of batches (BATCH calls each, per-call figures).
 *
 *   TRACEKIT_SERVER_BIN=<tracekit-server> TRACEKIT_LIBRARY=<libtracekit.so.0> php Benchmarks/php/bench.php
 */

declare(strict_types=1);

use TraceKit\PHP\Tests\Support\TestServer;
use TraceKit\PHP\TracekitClient;

require __DIR__ . '/../../bindings/php/tests/bootstrap.php';

const BATCH = 1000;
const PAYLOAD = ['order_id' => 4711, 'email' => 'jane.doe@example.com', 'amount' => 99.5, 'items' => ['book', 'pen'],
                 'card_number' => '4111 1111 1111 1111', 'express' => true];

function nothing(string $label, array $variables): void
{
}

/** @return array{float, float} median and p99 nanoseconds per call */
function measure(callable $batch, int $batches): array
{
    $perCall = [];
    for ($i = 0; $i < $batches; $i++) {
        $start = hrtime(true);
        $batch();
        $perCall[] = (hrtime(true) - $start) / BATCH;
    }
    sort($perCall);
    return [$perCall[intdiv(count($perCall), 2)], $perCall[(int) floor(count($perCall) * 0.99)]];
}

function report(string $name, array $figures): void
{
    printf("%-9s median %8.1f ns   p99 %8.1f ns\n", $name, $figures[0], $figures[1]);
}

$server = TestServer::shared();
$service = 'php-bench-' . bin2hex(random_bytes(3));
$client = new TracekitClient(['api_key' => $server->sdkKey($service), 'service_name' => $service,
    'endpoint' => $server->baseUrl, 'code_monitoring_enabled' => true, 'poll_interval' => 0.1,
    'max_captures_per_second' => 0, 'max_queue' => 1000000]);
$checkpoint = static function () use ($client): void {
    for ($i = 0; $i < BATCH; $i++) {
        $client->captureSnapshot('order-checkout', PAYLOAD);
    }
};

report('baseline', measure(static function (): void {
    for ($i = 0; $i < BATCH; $i++) {
        nothing('order-checkout', PAYLOAD);
    }
}, 500));

$checkpoint(); // registers the site
$breakpoint = $server->registeredBreakpoint($service, 'order-checkout');
report('inactive', measure($checkpoint, 500));

$server->setEnabled($breakpoint['id'], true);
TestServer::waitFor(fn () => $client->getSnapshotClient()->getStats()['breakpoints'] > 0);
report('active', measure($checkpoint, 20));
$client->flush(30.0);
$stats = $client->getSnapshotClient()->getStats();
printf("captured %d, sent %d, dropped %d\n", $stats['captured'], $stats['sent'], $stats['dropped_queue_full']);
$client->shutdown();
