'use strict';
// Cost of a tracekit-native checkpoint to the caller, against a real
// tracekit-server on loopback (TRACEKIT_SERVER_BIN):
//
//   inactive  the checkpoint's breakpoint exists (auto-registered) and is
//             disabled; timed in batches of BATCH calls (one call is below
//             the timer's resolution); median and p99 of the per-call time
//   active    the breakpoint enabled, every call captures (serialize,
//             scrub, queue); ACTIVE_CALLS calls timed one by one
//
// Usage: TRACEKIT_SERVER_BIN=... node Benchmarks/node/checkpoint_bench.js
// (the addon built by bindings/node/build.sh). Same payload as the Python
// and Ruby benchmarks.

const tracekit = require('../../bindings/node');
const { startServer, waitFor } = require('../../bindings/node/test/server');

const BATCH = 1000;
const BATCHES = 300;
const ACTIVE_CALLS = 1000;
const PAYLOAD = { order_id: 4711, email: 'jane.doe@example.com', amount: 99.5, items: ['book', 'pen'], card_number: '4111 1111 1111 1111', express: true };

function checkout(client) {
  client.captureSnapshot('order-checkout', PAYLOAD);
}

function moduleCheckout() {
  tracekit.captureSnapshot('module-checkout', PAYLOAD);
}

function percentile(sorted, fraction) {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

function summary(name, nanoseconds) {
  const sorted = [...nanoseconds].sort((a, b) => a - b);
  const format = (ns) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(1)} ns`);
  console.log(`${name.padEnd(44)} median ${format(percentile(sorted, 0.5)).padStart(10)}   p99 ${format(percentile(sorted, 0.99)).padStart(10)}`);
}

function timeBatches(call) {
  for (let index = 0; index < 20 * BATCH; index++) call(); // warm up (JIT)
  const perCall = [];
  for (let batch = 0; batch < BATCHES; batch++) {
    const started = process.hrtime.bigint();
    for (let index = 0; index < BATCH; index++) call();
    perCall.push(Number(process.hrtime.bigint() - started) / BATCH);
  }
  return perCall;
}

function timeEach(call, count) {
  for (let index = 0; index < 20; index++) call();
  const each = [];
  for (let index = 0; index < count; index++) {
    const started = process.hrtime.bigint();
    call();
    each.push(Number(process.hrtime.bigint() - started));
  }
  return each;
}

async function main() {
  const server = await startServer();
  try {
    const service = `node-bench-${process.pid}`;
    const client = tracekit.init({
      apiKey: await server.sdkKey(service), serviceName: service, endpoint: server.baseUrl, enableCodeMonitoring: true,
      // Every call does the full capture work (the default 100 captures/s
      // budget would suppress most of them and flatter the figure).
      captureConfig: { maxCapturesPerSecond: 0, maxQueue: 100000, pollIntervalMs: 200 },
    });
    checkout(client);
    moduleCheckout();
    const breakpoint = await server.registered(service, 'order-checkout');
    await server.registered(service, 'module-checkout');

    console.log(`node ${process.version}, libtracekit ${tracekit.libraryVersion()}, load average ${require('node:os').loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    summary('inactive client.captureSnapshot', timeBatches(() => checkout(client)));
    summary('inactive tracekit.captureSnapshot (module)', timeBatches(moduleCheckout));

    await server.enable(breakpoint.id);
    if (!(await waitFor(() => client._labels.get('order-checkout').cells[0][0] !== 0, 5000))) throw new Error('breakpoint not active');
    summary('active client.captureSnapshot (captures)', timeEach(() => checkout(client), ACTIVE_CALLS));
    await client.flush(10000);
    const stats = client.stats();
    console.log(`captured ${stats.captured}, sent ${stats.sent}, dropped ${stats.dropped_queue_full}, redactions ${stats.redactions}`);
    await client.shutdown();
  } finally {
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
