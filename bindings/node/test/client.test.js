'use strict';
// tracekit-native against a real tracekit-server: registration, capture with
// request context and redaction, the kill switch, bad input, shutdown.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const { after, before, describe, it } = require('node:test');

const tracekit = require('..');
const { startServer, waitFor, serviceName } = require('./server');

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

let server;
const clients = [];

before(async () => {
  server = await startServer();
});

after(async () => {
  await Promise.all(clients.map((client) => client.shutdown()));
  await server?.stop();
});

async function makeClient(service, captureConfig = {}) {
  const client = tracekit.init({
    apiKey: await server.sdkKey(service), serviceName: service, endpoint: server.baseUrl,
    enableCodeMonitoring: true, captureConfig: { pollIntervalMs: 100, ...captureConfig },
  });
  clients.push(client);
  return client;
}

function checkout(client, card = '4111 1111 1111 1111') {
  const cart = { items: ['book', 'pen'], total: 42.5 };
  cart.self = cart; // a cycle
  client.captureSnapshot('order-checkout', { email: 'jane.doe@example.com', card_number: card, password: 'hunter2', cart, amount: 42n, handler: checkout }); // CHECKPOINT
}
const CHECKPOINT_LINE = fs.readFileSync(__filename, 'utf8').split('\n')
  .findIndex((line) => line.endsWith('// ' + 'CHECKPOINT')) + 1;

function cellOf(client, label = 'order-checkout') {
  const entry = client._labels.get(label);
  assert.ok(entry, `no site for ${label}`);
  assert.equal(entry.cells.length, 1);
  return entry.cells[0];
}

async function enable(client, breakpointId, label = 'order-checkout') {
  await server.enable(breakpointId);
  assert.ok(await waitFor(() => cellOf(client, label)[0] !== 0, 3000), 'the breakpoint did not become active');
}

// Counts the client's calls into the addon.
function countNativeCalls(client) {
  const counts = { total: 0 };
  const native = client._native;
  client._native = Object.fromEntries(Object.entries(native).map(([name, fn]) => [name, (...args) => {
    counts.total++;
    return fn(...args);
  }]));
  return counts;
}

function request(port, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

async function listen(handler) {
  const httpServer = http.createServer(handler);
  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  return httpServer;
}

describe('a checkpoint', () => {
  it('registers its call site (file, line, function) on its first call, and captures nothing while disabled', async () => {
    const service = serviceName('register');
    const client = await makeClient(service);
    assert.ok(client instanceof tracekit.Client);
    assert.equal(tracekit.getClient(), client);
    checkout(client);
    const breakpoint = await server.registered(service, 'order-checkout');
    assert.equal(breakpoint.enabled, false);
    assert.equal(breakpoint.function_name, 'checkout');
    assert.equal(breakpoint.file_path, __filename);
    assert.equal(breakpoint.line_number, CHECKPOINT_LINE);
    checkout(client);
    assert.equal(await client.flush(5000), true);
    assert.deepEqual(await server.snapshots(service), []);
  });

  it('does not call into the addon while inactive', async () => {
    const client = await makeClient(serviceName('inactive'));
    checkout(client); // interns and registers the site
    const calls = countNativeCalls(client);
    for (let index = 0; index < 5000; index++) checkout(client);
    assert.equal(calls.total, 0);
    assert.equal(cellOf(client)[0], 0);
  });

  it('returns a resolved promise and never throws, whatever it is given', async () => {
    const client = await makeClient(serviceName('bad-input'));
    const hostile = new Proxy({}, { ownKeys() { throw new Error('no keys'); } });
    const results = [
      client.captureSnapshot('', { a: 1 }),
      client.captureSnapshot(undefined, { a: 1 }),
      client.captureSnapshot('nul\0label', {}),
      client.captureSnapshot({ not: 'a label' }, {}),
      client.captureSnapshot('fine', 'not an object'),
      client.captureSnapshot('fine', hostile),
    ];
    for (const result of results) assert.equal(await result, undefined);
    assert.equal(client.stats().invalid_input, 4);
  });
});

describe('an enabled breakpoint', () => {
  it('captures scrubbed variables with the request context and the JavaScript stack (node:http)', async () => {
    const service = serviceName('capture');
    const client = await makeClient(service);
    const httpServer = await listen(tracekit.wrapHandler((req, res) => {
      setImmediate(() => { // the request context follows asynchronous work
        checkout(client);
        res.end('ok');
      });
    }));
    const port = httpServer.address().port;
    try {
      const headers = { authorization: 'Bearer secret-token', cookie: 'session=abc', traceparent: TRACEPARENT, 'user-agent': 'node-test' };
      assert.equal((await request(port, '/checkout?step=pay', headers)).body, 'ok');
      const breakpoint = await server.registered(service, 'order-checkout');
      await enable(client, breakpoint.id);
      await request(port, '/checkout?step=pay', headers);
      assert.equal(await client.flush(5000), true);
      const snapshots = await waitFor(() => server.snapshots(service).then((list) => list.length > 0 && list));
      assert.equal(snapshots.length, 1);
      const snapshot = snapshots[0];
      assert.deepEqual([snapshot.file_path, snapshot.line_number, snapshot.function_name, snapshot.label],
        [__filename, CHECKPOINT_LINE, 'checkout', 'order-checkout']);
      const variables = snapshot.variables;
      assert.equal(variables.email, '[REDACTED:email]');
      assert.equal(variables.card_number, '[REDACTED:credit_card]');
      assert.equal(variables.password, '[REDACTED:sensitive_name]');
      assert.equal(variables.amount, '42');
      assert.equal(variables.handler, '[Function: checkout]');
      assert.deepEqual(variables.cart.items, ['book', 'pen']);
      assert.equal(variables.cart.self, '[CIRCULAR]');

      const context = snapshot.request_context;
      assert.deepEqual([context.method, context.path, context.query], ['POST', '/checkout', 'step=pay']);
      assert.equal(context.url, `http://127.0.0.1:${port}/checkout?step=pay`);
      assert.equal(context.user_agent, 'node-test');
      assert.match(context.headers.authorization, /REDACTED/);
      assert.match(context.headers.cookie, /REDACTED/);
      assert.equal(snapshot.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
      assert.equal(snapshot.span_id, '00f067aa0ba902b7');
      assert.match(snapshot.stack_trace, /checkout/);
      assert.ok(snapshot.stack_trace.includes(__filename), snapshot.stack_trace);
      assert.equal(client.stats().captured, 1);
    } finally {
      httpServer.close();
    }
  });

  it('stops capturing under the kill switch, and resumes when it is lifted', async () => {
    const service = serviceName('kill');
    const client = await makeClient(service);
    checkout(client);
    await enable(client, (await server.registered(service, 'order-checkout')).id);
    await server.killSwitch(service, true);
    assert.ok(await waitFor(() => client.stats().kill_switch && cellOf(client)[0] === 0, 3000), 'kill switch not seen');
    checkout(client);
    assert.equal(await client.flush(5000), true);
    assert.deepEqual(await server.snapshots(service), []);

    await server.killSwitch(service, false);
    assert.ok(await waitFor(() => cellOf(client)[0] !== 0, 5000), 'captures did not resume');
    checkout(client);
    assert.equal(await client.flush(5000), true);
    assert.equal((await waitFor(() => server.snapshots(service).then((list) => list.length > 0 && list))).length, 1);
  });

  it('is found at a second call site of a known label within the probe interval', async () => {
    const service = serviceName('second-site');
    const client = await makeClient(service);
    const first = () => client.captureSnapshot('shared', { where: 'first' });
    const second = () => client.captureSnapshot('shared', { where: 'second' });
    first();
    for (let index = 0; index < 1100; index++) second();
    const sites = (await waitFor(async () => {
      const list = (await server.breakpoints(service)).filter((bp) => bp.label === 'shared');
      return list.length === 2 && list;
    })) || [];
    assert.deepEqual(sites.map((bp) => bp.function_name).sort(), ['first', 'second']);
  });
});

describe('the Express middleware', () => {
  it('gives checkpoints in route handlers the request context', async () => {
    const express = require('express');
    const service = serviceName('express');
    const client = await makeClient(service);
    const app = express();
    app.use(tracekit.middleware());
    app.post('/orders/:id', (req, res) => {
      client.captureSnapshot('express-order', { id: req.params.id, email: 'a.b@example.com' });
      res.send('ok');
    });
    const httpServer = await listen(app);
    const port = httpServer.address().port;
    try {
      await request(port, '/orders/7?x=1');
      await enable(client, (await server.registered(service, 'express-order')).id, 'express-order');
      await request(port, '/orders/7?x=1', { 'x-api-key': 'tk_should_not_leak' });
      await client.flush(5000);
      const [snapshot] = await waitFor(() => server.snapshots(service).then((list) => list.length > 0 && list));
      assert.deepEqual(snapshot.variables, { id: '7', email: '[REDACTED:email]' });
      assert.equal(snapshot.request_context.path, '/orders/7');
      assert.equal(snapshot.request_context.query, 'x=1');
      assert.match(snapshot.request_context.headers['x-api-key'], /REDACTED/);
      assert.ok(!JSON.stringify(snapshot).includes('tk_should_not_leak'));
    } finally {
      httpServer.close();
    }
  });

  it('leaves the context empty outside a request', () => {
    assert.equal(tracekit.getRequestContext(), undefined);
  });
});

describe('the client lifecycle', () => {
  it('shuts down off the event loop, even while the backend stalls', async () => {
    // A backend that accepts connections and never answers: the client's
    // first poll hangs until captureTimeout, and shutdown waits for it.
    const sockets = [];
    const stalled = net.createServer((socket) => sockets.push(socket.on('error', () => {})));
    await new Promise((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const client = tracekit.init({ apiKey: 'tk_stalled', serviceName: 'stalled', endpoint: `http://127.0.0.1:${stalled.address().port}`,
      captureConfig: { captureTimeout: 1500 } });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      let ticks = 0;
      const timer = setInterval(() => { ticks++; }, 10);
      const started = Date.now();
      await client.shutdown();
      clearInterval(timer);
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 500, `shutdown took ${elapsed} ms: the stall did not hold it`);
      assert.ok(ticks >= 10, `the event loop ran ${ticks} timer ticks in ${elapsed} ms of shutdown`);
    } finally {
      stalled.close();
      for (const socket of sockets) socket.destroy();
    }
  });

  it('does nothing after shutdown; flush and stats throw; shutdown is idempotent', async () => {
    const client = await makeClient(serviceName('shutdown'));
    checkout(client);
    const done = client.shutdown();
    assert.equal(client.shutdown(), done);
    await done;
    assert.equal(client.isShutDown, true);
    assert.equal(await client.captureSnapshot('order-checkout', {}), undefined);
    assert.throws(() => client.stats(), { code: 'TK_ERR_SHUT_DOWN' });
    await assert.rejects(client.flush(10), { code: 'TK_ERR_SHUT_DOWN' });
  });

  it('refuses invalid options with a TraceKitError naming the option', () => {
    assert.throws(() => tracekit.init({ apiKey: 'has space', serviceName: 'x' }), { name: 'TraceKitError', code: 'TK_ERR_INVALID_ARGUMENT', message: /api_key/ });
    assert.throws(() => tracekit.init({ apiKey: 'k', serviceName: 'bad name!' }), { code: 'TK_ERR_INVALID_ARGUMENT', message: /service_name/ });
    assert.throws(() => tracekit.init({ apiKey: 'k', endpoint: 'ftp://x' }), { code: 'TK_ERR_INVALID_ARGUMENT', message: /endpoint/ });
    assert.throws(() => tracekit.init({ apiKey: 'k', captureConfig: { captureDepth: -1 } }), { message: /captureDepth/ });
    assert.throws(() => tracekit.init({ apiKey: 'k', captureConfig: { piiPatterns: [{ name: 'x', pattern: '(' }] } }), { code: 'TK_ERR_INVALID_PATTERN' });
    assert.throws(() => tracekit.init({ apiKey: 'k', captureConfig: { colour: 1 } }), { message: /unknown captureConfig keys: colour/ });
  });
});
