'use strict';
// A real tracekit-server for the tests: TRACEKIT_SERVER_BIN (scripts/test.sh
// exports it), started on a free loopback port with a temporary database and
// a known admin key. A missing binary fails the run: nothing is skipped.

const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

class Server {
  constructor(baseUrl, adminKey, child, directory) {
    this.baseUrl = baseUrl;
    this.adminKey = adminKey;
    this.child = child;
    this.directory = directory;
  }

  // {status, body} of a management call with the admin key.
  async api(method, route, body) {
    const response = await fetch(this.baseUrl + route, {
      method,
      headers: { 'X-API-Key': this.adminKey, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  async sdkKey(service) {
    const { status, body } = await this.api('POST', '/api/keys', { name: `test ${service}`, role: 'sdk', services: [service] });
    if (status !== 201) throw new Error(`creating an SDK key: ${status} ${JSON.stringify(body)}`);
    return body.key;
  }

  async breakpoints(service) {
    const { status, body } = await this.api('GET', `/api/breakpoints?service=${service}`);
    if (status !== 200) throw new Error(`listing breakpoints: ${status}`);
    return body.breakpoints;
  }

  async snapshots(service) {
    const { status, body } = await this.api('GET', `/api/snapshots?service=${service}&limit=100`);
    if (status !== 200) throw new Error(`listing snapshots: ${status}`);
    return body.snapshots;
  }

  async enable(breakpointId, fields = {}) {
    const { status, body } = await this.api('PATCH', `/api/breakpoints/${breakpointId}`, { enabled: true, ...fields });
    if (status !== 200) throw new Error(`enabling a breakpoint: ${status} ${JSON.stringify(body)}`);
  }

  async killSwitch(service, enabled) {
    const { status } = await this.api('POST', `/api/services/${service}/kill-switch`, { enabled });
    if (status !== 200) throw new Error(`kill switch: ${status}`);
  }

  // The auto-registered breakpoint of label, once the server has it.
  async registered(service, label) {
    const found = await waitFor(async () => (await this.breakpoints(service)).find((bp) => bp.label === label));
    if (!found) throw new Error(`site ${label} was not auto-registered`);
    return found;
  }

  async stop() {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.directory, { recursive: true, force: true });
  }
}

async function startServer() {
  const binary = process.env.TRACEKIT_SERVER_BIN;
  if (!binary) throw new Error('TRACEKIT_SERVER_BIN must name a tracekit-server binary (scripts/test.sh sets it)');
  fs.accessSync(binary, fs.constants.X_OK);
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'tracekit-node-'));
  const adminKey = `tk_nodetest_${crypto.randomBytes(16).toString('hex')}`;
  const child = spawn(binary, ['--host', '127.0.0.1', '--port', '0', '--database', path.join(directory, 'test.sqlite'),
    '--admin-key', adminKey,
    '--auto-register-disabled'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tracekit-server did not report its port:\n${output}`));
    }, 60000);
    const onData = (chunk) => {
      output += chunk;
      const match = /listening on [^:\s]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`tracekit-server exited (${code}):\n${output}`)));
  });
  child.stdout.resume();
  child.stderr.resume();
  // Should the test process end without after() (a timeout, process.exit),
  // the server goes with it.
  process.once('exit', () => child.kill('SIGKILL'));
  return new Server(`http://127.0.0.1:${port}`, adminKey, child, directory);
}

// Polls predicate (sync or async) until it returns something truthy.
async function waitFor(predicate, timeoutMs = 5000, intervalMs = 20) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await predicate();
    if (result || Date.now() > deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

// A service name unique to a test.
function serviceName(prefix) {
  return `node-${prefix}-${crypto.randomBytes(3).toString('hex')}`;
}

module.exports = { startServer, waitFor, serviceName };
