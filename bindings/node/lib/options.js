'use strict';
// Turns init()'s configuration into the addon's [name, ...values] settings.
// Types and ranges are checked here (Node-API would silently coerce); the
// library validates the rest. A bad value throws a TraceKitError naming it.

const { TraceKitError } = require('./errors');
const { Limits } = require('./serialize');

const INT32_MAX = 2 ** 31 - 1;

// The official SDK's tracing options: accepted for compatibility and
// ignored (this package does code monitoring only).
const IGNORED_KEYS = new Set([
  'enabled', 'sampleRate', 'serviceNameMappings', 'autoInstrumentHttpClient', 'tracesPath', 'metricsPath',
]);
const CONFIG_KEYS = new Set(['apiKey', 'serviceName', 'endpoint', 'enableCodeMonitoring', 'captureConfig']);
const CAPTURE_CONFIG_KEYS = new Set([
  'captureDepth', 'maxPayload', 'captureTimeout', 'debug', 'piiScrubbing', 'piiPatterns', 'circuitBreaker',
  'maxStringLength', 'pollIntervalMs', 'sse', 'maxQueue', 'maxCapturesPerSecond',
]);
const CIRCUIT_BREAKER_DEFAULTS = { maxFailures: 3, windowMs: 60000, cooldownMs: 300000 };

function invalid(message) {
  return new TraceKitError('TK_ERR_INVALID_ARGUMENT', message);
}

function describe(value) {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

function text(name, value) {
  if (typeof value !== 'string') throw invalid(`${name} must be a string, got ${describe(value)}`);
  if (value.includes('\0')) throw invalid(`${name} must not contain NUL characters`);
  return value;
}

function integer(name, value, max = Number.MAX_SAFE_INTEGER) {
  if (!Number.isInteger(value)) throw invalid(`${name} must be an integer, got ${describe(value)} ${String(value).slice(0, 40)}`);
  if (value < 0 || value > max) throw invalid(`${name} must be between 0 and ${max}, got ${value}`);
  return value;
}

function flag(name, value) {
  if (typeof value !== 'boolean') throw invalid(`${name} must be a boolean, got ${describe(value)}`);
  return value ? 1 : 0;
}

function plainObject(name, value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(`${name} must be an object, got ${describe(value)}`);
  }
  return value;
}

function checkKeys(name, object, known, ignored = new Set()) {
  const unknown = Object.keys(object).filter((key) => !known.has(key) && !ignored.has(key));
  if (unknown.length > 0) {
    throw invalid(`unknown ${name} keys: ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
  }
}

// The official SDK's { pattern: RegExp, marker: '[REDACTED:name]' }, or
// { name, pattern: 'PCRE2 source' }. RegExp flags other than i, m, s and u
// have no PCRE2 meaning here and are refused.
function piiPattern(entry, index) {
  const where = `captureConfig.piiPatterns[${index}]`;
  plainObject(where, entry);
  let name = entry.name;
  if (name === undefined && typeof entry.marker === 'string') {
    const match = /^\[REDACTED:([a-z0-9_]{1,64})\]$/.exec(entry.marker);
    if (!match) throw invalid(`${where}.marker must look like "[REDACTED:name]" (name: [a-z0-9_]{1,64})`);
    name = match[1];
  }
  text(`${where}.name`, name);
  let source = entry.pattern;
  if (source instanceof RegExp) {
    const unsupported = source.flags.replace(/[imsug]/g, '');
    if (unsupported) throw invalid(`${where}.pattern: flags "${unsupported}" are not supported`);
    const inline = source.flags.replace(/[ug]/g, '');
    source = (inline ? `(?${inline})` : '') + source.source;
  }
  return ['piiPattern', name, text(`${where}.pattern`, source)];
}

function captureSettings(capture) {
  plainObject('captureConfig', capture);
  checkKeys('captureConfig', capture, CAPTURE_CONFIG_KEYS);
  const settings = [];
  const has = (key) => capture[key] !== undefined;
  if (has('captureDepth')) settings.push(['captureDepth', integer('captureConfig.captureDepth', capture.captureDepth, INT32_MAX)]);
  if (has('maxPayload')) settings.push(['maxPayload', integer('captureConfig.maxPayload', capture.maxPayload)]);
  if (has('maxStringLength')) settings.push(['maxStringLength', integer('captureConfig.maxStringLength', capture.maxStringLength)]);
  // The official SDK's captureTimeout is in milliseconds.
  if (has('captureTimeout')) settings.push(['captureTimeoutMs', integer('captureConfig.captureTimeout', capture.captureTimeout)]);
  if (has('piiScrubbing')) settings.push(['piiScrubbing', flag('captureConfig.piiScrubbing', capture.piiScrubbing)]);
  if (has('piiPatterns')) {
    if (!Array.isArray(capture.piiPatterns)) throw invalid('captureConfig.piiPatterns must be an array');
    capture.piiPatterns.forEach((entry, index) => settings.push(piiPattern(entry, index)));
  }
  if (has('circuitBreaker')) {
    const breaker = plainObject('captureConfig.circuitBreaker', capture.circuitBreaker);
    checkKeys('captureConfig.circuitBreaker', breaker, new Set(Object.keys(CIRCUIT_BREAKER_DEFAULTS)));
    const values = { ...CIRCUIT_BREAKER_DEFAULTS, ...breaker };
    settings.push(['circuitBreaker', integer('circuitBreaker.maxFailures', values.maxFailures, INT32_MAX),
      integer('circuitBreaker.windowMs', values.windowMs), integer('circuitBreaker.cooldownMs', values.cooldownMs)]);
  }
  if (has('pollIntervalMs')) settings.push(['pollIntervalMs', integer('captureConfig.pollIntervalMs', capture.pollIntervalMs)]);
  if (has('sse')) settings.push(['sse', flag('captureConfig.sse', capture.sse)]);
  if (has('maxQueue')) settings.push(['maxQueue', integer('captureConfig.maxQueue', capture.maxQueue, INT32_MAX)]);
  if (has('maxCapturesPerSecond')) {
    const rate = capture.maxCapturesPerSecond;
    if (typeof rate !== 'number' || !Number.isFinite(rate)) throw invalid('captureConfig.maxCapturesPerSecond must be a finite number');
    settings.push(['maxCapturesPerSecond', rate]);
  }
  if (has('debug')) settings.push(['debug', flag('captureConfig.debug', capture.debug) === 1]);
  return settings;
}

// init()'s config → settings for the addon. undefined leaves the library's
// value (its TRACEKIT_* environment variable, else its default).
function settingsFor(config) {
  plainObject('config', config);
  checkKeys('config', config, CONFIG_KEYS, IGNORED_KEYS);
  const settings = [];
  if (config.apiKey !== undefined) settings.push(['apiKey', text('apiKey', config.apiKey)]);
  if (config.serviceName !== undefined) settings.push(['serviceName', text('serviceName', config.serviceName)]);
  if (config.endpoint !== undefined) settings.push(['endpoint', text('endpoint', config.endpoint)]);
  if (config.enableCodeMonitoring !== undefined) {
    settings.push(['enableCodeMonitoring', flag('enableCodeMonitoring', config.enableCodeMonitoring)]);
  }
  if (config.captureConfig !== undefined) settings.push(...captureSettings(config.captureConfig));
  return settings;
}

function effective(capture, key, variable, fallback) {
  if (capture[key] !== undefined) return capture[key];
  const fromEnvironment = Number.parseInt(process.env[variable] ?? '', 10);
  return Number.isInteger(fromEnvironment) ? fromEnvironment : fallback;
}

// Bounds for converting variables to JSON, generous enough that the library,
// not the binding, decides what is truncated in normal cases.
function conversionLimits(config) {
  const capture = config.captureConfig ?? {};
  const depth = effective(capture, 'captureDepth', 'TRACEKIT_CAPTURE_DEPTH', 10);
  const payload = effective(capture, 'maxPayload', 'TRACEKIT_MAX_PAYLOAD', 65536);
  const string = capture.maxStringLength ?? 8192;
  // A JSON value takes at least one byte: more values than maxPayload bytes
  // means the library would replace the document anyway.
  const nodes = payload > 0 ? Math.min(payload + 1, 1000000) : 1000000;
  return new Limits({
    maxDepth: depth > 0 ? Math.min(Math.max(depth, 64) + 1, 256) : 256,
    maxItems: nodes,
    maxString: string > 0 ? Math.max(4 * string, 1024) : Math.max(payload, 1 << 24),
    maxNodes: nodes,
  });
}

module.exports = { settingsFor, conversionLimits };
