'use strict';
// tracekit-native: TraceKit code monitoring on libtracekit (a Node-API addon).
//
// The official @tracekit/node-apm code-monitoring API:
//
//   const tracekit = require('tracekit-native');
//   const client = tracekit.init({ apiKey: process.env.TRACEKIT_API_KEY, serviceName: 'checkout',
//                                  endpoint: 'http://127.0.0.1:7070', enableCodeMonitoring: true });
//   app.use(tracekit.middleware());                       // Express / Connect
//   http.createServer(tracekit.wrapHandler(handler));     // node:http
//   await client.captureSnapshot('order-checkout', { order, email });
//   await client.shutdown();
//
// The inactive checkpoint stays in JavaScript (a Map lookup and a typed-array
// read); captures are scrubbed, bounded and queued by the library and sent
// from its own threads.

const native = require('./lib/native');
const { Client, DONE } = require('./lib/client');
const { TraceKitError, Status } = require('./lib/errors');
const { settingsFor, conversionLimits } = require('./lib/options');
const { middleware, wrapHandler, getRequestContext } = require('./lib/request-context');

let globalClient = null;

// Creates the client and makes it the one getClient() and the module-level
// captureSnapshot use. Throws a TraceKitError (code TK_ERR_INVALID_ARGUMENT,
// TK_ERR_INVALID_PATTERN, ...) naming the bad option.
function init(config = {}) {
  const settings = settingsFor(config);
  const addon = native.load();
  let handle;
  try {
    handle = addon.createClient(settings);
  } catch (error) {
    throw TraceKitError.from(error);
  }
  globalClient = new Client(addon, handle, conversionLimits(config), config.captureConfig?.debug === true);
  return globalClient;
}

// The client of the last init(); throws before init(), as the official SDK.
function getClient() {
  if (globalClient === null) throw new Error('TraceKit not initialized. Call tracekit.init() first.');
  return globalClient;
}

// getClient().captureSnapshot(label, variables) for the caller's site; does
// nothing before init().
function captureSnapshot(label, variables) {
  const client = globalClient;
  if (client === null) return DONE;
  const entry = client._labels.get(label);
  if (entry !== undefined && --entry.probe > 0 && entry.quiet()) return DONE;
  client._checkpoint(label, variables, entry, captureSnapshot);
  return DONE;
}

// The version of the loaded libtracekit, e.g. "0.1.0".
function libraryVersion() {
  return native.load().libraryVersion();
}

module.exports = {
  init,
  getClient,
  captureSnapshot,
  middleware,
  wrapHandler,
  getRequestContext,
  libraryVersion,
  Client,
  TraceKitError,
  Status,
};
