<?php

/*
 * Instructions per inactive checkpoint, immune to a loaded machine: run N
 * inactive captureSnapshot calls (or N calls of an empty function with the
 * same arguments) under callgrind, for N = 0 and N = 100000; the difference
 * of the totals divided by N is the cost of one call. No server is needed:
 * with no breakpoint every site is inactive.
 *
 *   for mode in checkpoint baseline; do for n in 0 100000; do
 *     TRACEKIT_LIBRARY=<libtracekit.so.0> valgrind --tool=callgrind --callgrind-out-file=/dev/null \
 *       php Benchmarks/php/callgrind_inactive.php $n $mode 2>&1 | grep Collected; done; done
 */

declare(strict_types=1);

require __DIR__ . '/../../bindings/php/autoload.php';

function nothing(string $label, array $variables): void
{
}

[, $calls, $mode] = $argv + [1 => '0', 2 => 'checkpoint'];
$client = new TraceKit\PHP\TracekitClient(['api_key' => 'tk_callgrind', 'service_name' => 'callgrind',
    'endpoint' => 'http://127.0.0.1:9', 'code_monitoring_enabled' => true]);
$payload = ['order_id' => 4711, 'email' => 'jane.doe@example.com', 'amount' => 99.5];
for ($i = 0; $i < 2; $i++) {
    $client->captureSnapshot('order-checkout', $payload); // the first hit interns the site
}
for ($i = 0; $i < (int) $calls; $i++) {
    if ($mode === 'checkpoint') {
        $client->captureSnapshot('order-checkout', $payload);
    } else {
        nothing('order-checkout', $payload);
    }
}
