'use strict';
// A client belongs to the thread (Node-API environment) that made it. Worker
// threads and cluster/child_process workers each make their own with init():
// its own library client, threads and breakpoint sync. Node.js has no fork():
// cluster workers are fresh processes.

const assert = require('node:assert/strict');
const { fork } = require('node:child_process');
const cluster = require('node:cluster');
const fs = require('node:fs');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { after, before, describe, it } = require('node:test');

const tracekit = require('..');
const { startServer, waitFor, serviceName } = require('./server');

const WORKER = path.join(__dirname, 'fixtures', 'checkout_worker.js');
let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

// Waits until every one of `places` has a stored snapshot.
async function snapshotsFrom(service, places) {
  return waitFor(async () => {
    const snapshots = await server.snapshots(service);
    const seen = new Set(snapshots.map((snapshot) => snapshot.variables.where));
    return places.every((place) => seen.has(place)) && snapshots;
  }, 15000);
}

async function enableWhenRegistered(service) {
  const breakpoint = await server.registered(service, 'fleet-checkout');
  await server.enable(breakpoint.id);
}

function exited(emitter) {
  return new Promise((resolve) => emitter.once('exit', (code) => resolve(code)));
}

describe('worker threads', () => {
  it('each capture with their own client, next to the main thread\'s, and free it when they end', async () => {
    const service = serviceName('threads');
    const apiKey = await server.sdkKey(service);
    const main = tracekit.init({ apiKey, serviceName: service, endpoint: server.baseUrl, enableCodeMonitoring: true });
    const workerData = { apiKey, serviceName: service, endpoint: server.baseUrl };
    const workers = [new Worker(WORKER, { workerData }), new Worker(WORKER, { workerData })];
    try {
      await enableWhenRegistered(service);
      const places = workers.map((worker) => `thread ${worker.threadId}`);
      const snapshots = await snapshotsFrom(service, places);
      assert.ok(snapshots, `no snapshots from ${places.join(', ')}`);
      assert.ok(snapshots.every((snapshot) => snapshot.variables.email === '[REDACTED:email]'));
      // One worker shuts its client down, the other leaves it to teardown.
      const codes = workers.map(exited);
      workers[0].postMessage('stop');
      workers[1].postMessage('leave-open');
      assert.deepEqual(await Promise.all(codes), [0, 0]);
      assert.equal(typeof main.stats().captured, 'number', 'the main thread\'s client is unaffected');
    } finally {
      await Promise.all(workers.map((worker) => worker.terminate()));
      await main.shutdown();
    }
  });

  it('can be terminated while their client is open: teardown frees it and its threads end', async () => {
    const threads = () => fs.readdirSync('/proc/self/task').length;
    const service = serviceName('terminate');
    const workerData = { apiKey: await server.sdkKey(service), serviceName: service, endpoint: server.baseUrl };
    const before = threads();
    const worker = new Worker(WORKER, { workerData });
    await server.registered(service, 'fleet-checkout');
    assert.ok(threads() > before + 1, 'the worker and its library client run threads');
    await worker.terminate();
    assert.ok(await waitFor(() => threads() <= before, 5000), `threads left: ${threads()} (before: ${before})`);
  });
});

describe('a process that ends without shutdown()', () => {
  for (const how of ['exit', 'natural']) {
    it(`still sends its queued snapshot (${how === 'exit' ? 'process.exit()' : 'the event loop runs dry'})`, async () => {
      const service = serviceName(`end-${how}`);
      const env = { ...process.env, TRACEKIT_API_KEY: await server.sdkKey(service), TRACEKIT_SERVICE_NAME: service, TRACEKIT_ENDPOINT: server.baseUrl };
      const child = fork(path.join(__dirname, 'fixtures', 'capture_then_exit.js'), [how], { env });
      const code = exited(child);
      await server.enable((await server.registered(service, 'last-words')).id);
      assert.equal(await code, 0);
      const snapshots = await server.snapshots(service);
      assert.deepEqual(snapshots.map((snapshot) => snapshot.variables.how), [how]);
    });
  }
});

describe('cluster workers', () => {
  it('are new processes: each makes its own client and captures', async () => {
    const service = serviceName('cluster');
    const env = { TRACEKIT_API_KEY: await server.sdkKey(service), TRACEKIT_SERVICE_NAME: service, TRACEKIT_ENDPOINT: server.baseUrl };
    cluster.setupPrimary({ exec: WORKER, silent: false });
    const workers = [cluster.fork(env), cluster.fork(env)];
    try {
      await enableWhenRegistered(service);
      const places = workers.map((worker) => `process ${worker.process.pid}`);
      assert.ok(await snapshotsFrom(service, places), `no snapshots from ${places.join(', ')}`);
      const codes = workers.map(exited);
      for (const worker of workers) worker.send('stop');
      assert.deepEqual(await Promise.all(codes), [0, 0]);
    } finally {
      for (const worker of workers) if (!worker.isDead()) worker.kill();
    }
  });
});
