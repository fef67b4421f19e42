'use strict';
// The capture client: checkpoints, flush, stats, shutdown.
//
// An inactive checkpoint never calls into the addon. Checkpoints are looked
// up by label first: each label's entry holds its call sites, and each site
// an Int32Array view of the library's active flag for it (the library
// updates the flag from its own threads as breakpoints change). While every
// site of a label is inactive, a checkpoint is a Map lookup and a typed-array
// read. Otherwise, and on every PROBE_INTERVAL-th call of a label, the caller
// is located from the V8 stack (one Error.captureStackTrace): that is how a
// new call site using a known label is discovered and registered (within
// PROBE_INTERVAL of the label's calls).

const { Status, TraceKitError } = require('./errors');
const { toJSON } = require('./serialize');
const { currentContext } = require('./request-context');

const DONE = Promise.resolve();
const PROBE_INTERVAL = 1024;
const MAX_LABELS = 100000; // as the library's own site limit
const MAX_STACK_FRAMES = 16; // the official SDK sends V8's default 10
const INERT_CELL = new Int32Array(1); // what sites read once the client is gone

const live = new Set(); // clients not shut down; kept alive until they are

class Site {
  constructor(handle, cell) {
    this.handle = handle;
    this.cell = cell;
  }
}

// The call sites of one label.
class LabelEntry {
  constructor() {
    this.sites = new Map(); // "file\nline\nfunction" -> Site
    this.cells = [];        // the sites' active flags
    this.probe = PROBE_INTERVAL;
  }

  quiet() {
    const cells = this.cells;
    for (let index = 0; index < cells.length; index++) {
      if (cells[index][0] !== 0) return false;
    }
    return true;
  }
}

function callSites(_error, frames) {
  return frames;
}

// The V8 call sites above `below` (a function on the stack), innermost
// first; [] if the stack cannot be read.
function stackAbove(below, limit) {
  const holder = {};
  const savedLimit = Error.stackTraceLimit;
  const savedPrepare = Error.prepareStackTrace;
  try {
    Error.stackTraceLimit = limit;
    Error.prepareStackTrace = callSites;
    Error.captureStackTrace(holder, below);
    const frames = holder.stack;
    return Array.isArray(frames) ? frames : [];
  } finally {
    Error.stackTraceLimit = savedLimit;
    Error.prepareStackTrace = savedPrepare;
  }
}

function fileOf(frame) {
  const name = frame.getFileName() ?? frame.getEvalOrigin() ?? '';
  return name.startsWith('file://') ? decodeURIComponent(name.slice(7)) : name;
}

function describeFrame(frame) {
  return {
    function: frame.getFunctionName() || '<anonymous>',
    file: fileOf(frame),
    line: frame.getLineNumber() ?? 0,
  };
}

class Client {
  constructor(native, handle, limits, debug) {
    this._native = native;
    this._handle = handle;
    this._limits = limits;
    this._debug = debug;
    this._labels = new Map(); // label -> LabelEntry
    this._closed = false;
    this._shutdown = null;    // the shutdown promise, once started
    this._local = { invalid_input: 0, sites_overflow: 0 }; // added to the library's stats
    live.add(this);
  }

  // The official SDK's snapshot client is the client itself here.
  getSnapshotClient() {
    return this;
  }

  // The slow half of a checkpoint (see the file comment). Never throws.
  _checkpoint(label, variables, entry, entryFunction) {
    try {
      if (this._closed) return;
      if (entry === undefined) {
        entry = this._entryFor(label);
        if (entry === undefined) return;
      }
      entry.probe = PROBE_INTERVAL;
      const frames = stackAbove(entryFunction, MAX_STACK_FRAMES);
      const where = frames.length > 0 ? describeFrame(frames[0]) : { function: '<anonymous>', file: '', line: 0 };
      const key = `${where.file}\n${where.line}\n${where.function}`;
      const site = entry.sites.get(key) ?? this._intern(label, entry, key, where);
      if (site.cell[0] === 0) return;
      this._capture(site, variables, frames);
    } catch (error) {
      this._report('checkpoint', error);
    }
  }

  _entryFor(label) {
    if (typeof label !== 'string' || label === '' || label.includes('\0')) {
      this._local.invalid_input++;
      this._report('checkpoint', new TypeError(`label must be a non-empty string without NUL, got ${typeof label}`));
      return undefined;
    }
    if (this._labels.size >= MAX_LABELS) {
      this._local.sites_overflow++;
      return undefined;
    }
    const entry = new LabelEntry();
    this._labels.set(label, entry);
    return entry;
  }

  // Interns a new call site; its first hit registers it with the backend.
  _intern(label, entry, key, where) {
    const [handle, cell] = this._native.siteGet(this._handle, label, where.file, where.line, where.function);
    const site = new Site(handle, cell);
    entry.sites.set(key, site);
    entry.cells.push(cell);
    if (cell[0] === 0) {
      // Inactive: the library registers the site; it never captures, even
      // if a breakpoint has arrived since the check.
      this._native.siteRegister(this._handle, handle);
    }
    return site;
  }

  _capture(site, variables, frames) {
    if (variables === undefined || variables === null) variables = {};
    if (typeof variables !== 'object' || Array.isArray(variables)) {
      this._local.invalid_input++;
      this._report('checkpoint', new TypeError(`variables must be an object, got ${Array.isArray(variables) ? 'array' : typeof variables}`));
      return;
    }
    // The context holds strings and numbers only (request-context.js bounds
    // them): JSON.stringify needs no safe walk. An odd request object must
    // not cost the capture.
    let context;
    try {
      context = currentContext();
    } catch {
      context = {};
    }
    context.stack_trace = frames.map(describeFrame);
    const status = this._native.siteCapture(this._handle, site.handle, toJSON(variables, this._limits),
      JSON.stringify(context));
    if (status !== Status.OK && status !== Status.QUEUE_FULL && status !== Status.SHUT_DOWN) {
      this._report('checkpoint', `status ${status}: ${this._native.lastError()}`);
    }
  }

  _report(what, error) {
    if (this._debug) console.warn(`tracekit: ${what}: ${error?.message ?? error}`);
  }

  _checkOpen(what) {
    if (this._closed) throw new TraceKitError('TK_ERR_SHUT_DOWN', `${what}: the client has been shut down`);
  }

  // Waits until the snapshots queued so far are sent, at most timeoutMs
  // (on the thread pool: the event loop goes on). true when drained in time.
  async flush(timeoutMs = 5000) {
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0) {
      throw new TraceKitError('TK_ERR_INVALID_ARGUMENT', `flush: timeoutMs must be a non-negative integer, got ${timeoutMs}`);
    }
    this._checkOpen('flush');
    const status = await this._native.flush(this._handle, timeoutMs);
    if (status === Status.OK) return true;
    if (status === Status.TIMEOUT) return false;
    throw new TraceKitError(status === Status.SHUT_DOWN ? 'TK_ERR_SHUT_DOWN' : 'TK_ERR_INTERNAL', `flush: status ${status}`);
  }

  // The library's counters (captured, sent, failed, dropped_*, suppressed_*,
  // redactions, kill_switch, circuit_state, ...) plus this package's own
  // invalid_input and sites_overflow.
  stats() {
    this._checkOpen('stats');
    const stats = JSON.parse(this._native.stats(this._handle));
    stats.invalid_input = (stats.invalid_input ?? 0) + this._local.invalid_input;
    stats.sites_overflow = (stats.sites_overflow ?? 0) + this._local.sites_overflow;
    return stats;
  }

  // Sends what is queued (bounded by captureTimeout), stops the library's
  // threads and frees the client, off the event loop. Checkpoints do
  // nothing from the call on; flush() and stats() throw. Idempotent.
  shutdown() {
    if (this._shutdown === null) {
      this._closed = true;
      live.delete(this);
      for (const entry of this._labels.values()) {
        for (const site of entry.sites.values()) site.cell = INERT_CELL;
        entry.cells = [INERT_CELL];
      }
      this._shutdown = this._native.shutdown(this._handle).then(() => undefined);
    }
    return this._shutdown;
  }

  _closeAtExit() {
    this._closed = true;
    live.delete(this);
    this._native.closeSync(this._handle);
  }

  get isShutDown() {
    return this._closed;
  }
}

// client.captureSnapshot(label, variables): the checkpoint. Captures the
// variables with the caller's location, stack and request context when a
// breakpoint is enabled on this call site; returns at once (a resolved
// promise, for `await` as with the official SDK), never throws.
function captureSnapshot(label, variables) {
  const entry = this._labels.get(label);
  if (entry !== undefined && --entry.probe > 0 && entry.quiet()) return DONE;
  this._checkpoint(label, variables, entry, captureSnapshot);
  return DONE;
}

// The official SnapshotClient's name for the same checkpoint.
function checkAndCaptureWithContext(label, variables) {
  const entry = this._labels.get(label);
  if (entry !== undefined && --entry.probe > 0 && entry.quiet()) return DONE;
  this._checkpoint(label, variables, entry, checkAndCaptureWithContext);
  return DONE;
}

Client.prototype.captureSnapshot = captureSnapshot;
Client.prototype.checkAndCaptureWithContext = checkAndCaptureWithContext;

// Clients the program left open: when the event loop runs dry (beforeExit),
// shut them down off the loop (the loop then waits for that); at
// process.exit() or an uncaught exception ('exit': no loop is left), free
// them here, bounded by captureTimeout + 1 s, so queued snapshots are sent.
// A worker thread's clients are freed by the addon when the worker ends.
process.on('beforeExit', () => {
  for (const client of live) client.shutdown();
});
process.on('exit', () => {
  for (const client of live) client._closeAtExit();
});

module.exports = { Client, DONE };
