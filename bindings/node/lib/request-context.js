'use strict';
// Request context for checkpoints: Express/Connect middleware and a
// node:http handler wrapper.
//
// The current request is kept in an AsyncLocalStorage, so it follows
// callbacks, promises and timers started while handling it. Nothing is built
// per request: the request object is stored as is and turned into a request
// context ({method, path, url, remote_addr, user_agent, query, headers}) only
// when a capture happens. Sensitive headers (Authorization, Cookie,
// Set-Cookie, X-API-Key, Proxy-Authorization, and any whose name says
// token/secret/...) are redacted here and again by the library; header count
// and sizes are bounded. trace_id/span_id come from a W3C traceparent header.

const { AsyncLocalStorage } = require('node:async_hooks');

const storage = new AsyncLocalStorage();

const REDACTED = '[REDACTED:sensitive_name]';
const MAX_HEADERS = 64;
const MAX_VALUE = 2048;
const SENSITIVE_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);
const SENSITIVE_WORDS = /token|secret|passw|api[-_]?key|session|credential|auth/i;
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

function bounded(value) {
  const string = String(value);
  return string.length <= MAX_VALUE ? string : `${string.slice(0, MAX_VALUE)}[TRUNCATED:${string.length} chars]`;
}

// {name: value} with lower-case names, sensitive values redacted, at most
// MAX_HEADERS headers of bounded size.
function scrubHeaders(headers) {
  const result = {};
  let count = 0;
  for (const name of Object.keys(headers ?? {})) {
    if (count++ >= MAX_HEADERS) {
      result._truncated = true;
      break;
    }
    const key = bounded(name.toLowerCase());
    const value = headers[name];
    result[key] = SENSITIVE_HEADERS.has(key) || SENSITIVE_WORDS.test(key)
      ? REDACTED
      : bounded(Array.isArray(value) ? value.join(', ') : value ?? '');
  }
  return result;
}

// [traceId, spanId] from a W3C traceparent header, or null.
function parseTraceparent(value) {
  if (typeof value !== 'string') return null;
  const match = TRACEPARENT.exec(value.trim().toLowerCase());
  if (!match || /^0+$/.test(match[1]) || /^0+$/.test(match[2])) return null;
  return [match[1], match[2]];
}

// The request context of an http.IncomingMessage or an Express request.
function describeRequest(req) {
  const rawUrl = typeof req.originalUrl === 'string' ? req.originalUrl : String(req.url ?? '');
  const queryStart = rawUrl.indexOf('?');
  const path = queryStart < 0 ? rawUrl : rawUrl.slice(0, queryStart);
  const query = queryStart < 0 ? '' : rawUrl.slice(queryStart + 1);
  const headers = req.headers ?? {};
  const secure = req.socket?.encrypted === true;
  const host = headers.host ?? '';
  return {
    method: String(req.method ?? ''),
    path: bounded(path),
    url: bounded(host ? `${secure ? 'https' : 'http'}://${host}${rawUrl}` : rawUrl),
    remote_addr: String(req.socket?.remoteAddress ?? ''),
    user_agent: bounded(headers['user-agent'] ?? ''),
    query: bounded(query),
    headers: scrubHeaders(headers),
  };
}

// The context part of tk_capture's context_json for the current request:
// {request, trace_id, span_id}, or {} outside a request.
function currentContext() {
  const req = storage.getStore();
  if (req === undefined) return {};
  const context = { request: describeRequest(req) };
  const ids = parseTraceparent(req.headers?.traceparent);
  if (ids !== null) [context.trace_id, context.span_id] = ids;
  return context;
}

// The official SDK's getRequestContext(): the current request's context, or
// undefined outside a request.
function getRequestContext() {
  const req = storage.getStore();
  return req === undefined ? undefined : describeRequest(req);
}

// Express/Connect middleware: app.use(tracekit.middleware()).
function middleware() {
  return function tracekitMiddleware(req, res, next) {
    storage.run(req, next);
  };
}

// node:http: http.createServer(tracekit.wrapHandler((req, res) => { ... })).
function wrapHandler(handler) {
  if (typeof handler !== 'function') throw new TypeError('wrapHandler(handler): handler must be a function');
  return function tracekitHandler(req, res) {
    return storage.run(req, () => Reflect.apply(handler, this, [req, res]));
  };
}

module.exports = { middleware, wrapHandler, getRequestContext, currentContext, scrubHeaders, parseTraceparent };
