'use strict';
// The example service end to end against a real tracekit-server: its
// checkpoint registers itself; a breakpoint enabled through the management
// API makes the next order captured, with the email and card redacted; the
// kill switch stops captures.

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const { after, before, it } = require('node:test');

const { startServer, waitFor, serviceName } = require('../../bindings/node/test/server');

const ORDER = { email: 'jane.doe@example.com', name: 'Jane', card: '4111 1111 1111 1111', items: [{ sku: 'book', price: 12.5, qty: 2 }] };
let server;
let service;
let example;
let baseUrl;

before(async () => {
  server = await startServer();
  service = serviceName('example');
  example = spawn(process.execPath, [path.join(__dirname, 'checkout_service.js'), '--port', '0'], {
    env: { ...process.env, TRACEKIT_API_KEY: await server.sdkKey(service), TRACEKIT_ENDPOINT: server.baseUrl, TRACEKIT_SERVICE_NAME: service },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  baseUrl = await new Promise((resolve, reject) => {
    let output = '';
    example.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /checkout service on (http:\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    example.once('exit', (code) => reject(new Error(`the example exited (${code}): ${output}`)));
  });
});

after(async () => {
  if (example && example.exitCode === null) {
    const exited = new Promise((resolve) => example.once('exit', resolve));
    example.kill('SIGTERM');
    await exited;
  }
  await server?.stop();
});

async function order() {
  const response = await fetch(`${baseUrl}/checkout`, { method: 'POST', body: JSON.stringify(ORDER), headers: { 'Content-Type': 'application/json' } });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { status: 'accepted', total: 25 });
}

// Orders until the server has `count` snapshots (the example's client learns
// of breakpoint changes within its 1 s poll, or at once over SSE).
async function orderUntilSnapshots(count) {
  return waitFor(async () => {
    await order();
    const snapshots = await server.snapshots(service);
    return snapshots.length >= count && snapshots;
  }, 10000, 100);
}

it('captures a scrubbed snapshot once a breakpoint is enabled, and none under the kill switch', async () => {
  await order();
  const breakpoint = await server.registered(service, 'order-checkout');
  assert.equal(breakpoint.function_name, 'checkout');
  assert.deepEqual(await server.snapshots(service), [], 'nothing is captured before the breakpoint is enabled');

  await server.enable(breakpoint.id);
  const [snapshot] = await orderUntilSnapshots(1);
  assert.equal(snapshot.label, 'order-checkout');
  assert.equal(snapshot.variables.customer.email, '[REDACTED:email]');
  assert.equal(snapshot.variables.customer.name, 'Jane');
  assert.equal(snapshot.variables.payment.card, '[REDACTED:credit_card]');
  assert.equal(snapshot.variables.total, 25);
  assert.equal(snapshot.request_context.method, 'POST');
  assert.equal(snapshot.request_context.path, '/checkout');
  assert.ok(!JSON.stringify(snapshot).includes('jane.doe@example.com'));

  await server.killSwitch(service, true);
  await new Promise((resolve) => setTimeout(resolve, 2500)); // over two of the example's polls
  const before = (await server.snapshots(service)).length;
  for (let index = 0; index < 5; index++) await order();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.equal((await server.snapshots(service)).length, before, 'captures went on under the kill switch');
});
