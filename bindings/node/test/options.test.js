'use strict';
// init()'s configuration: the official SDK's names, checked before the
// library sees them.

const assert = require('node:assert/strict');
const { describe, it } = require('node:test');

const { settingsFor, conversionLimits } = require('../lib/options');

describe('settingsFor', () => {
  it('maps the official options and leaves unset ones to the library', () => {
    assert.deepEqual(settingsFor({}), []);
    assert.deepEqual(settingsFor({ apiKey: 'k', serviceName: 's', endpoint: 'http://127.0.0.1:1', enableCodeMonitoring: false }),
      [['apiKey', 'k'], ['serviceName', 's'], ['endpoint', 'http://127.0.0.1:1'], ['enableCodeMonitoring', 0]]);
  });

  it('accepts and ignores the official tracing options', () => {
    assert.deepEqual(settingsFor({ enabled: true, sampleRate: 0.5, serviceNameMappings: {}, autoInstrumentHttpClient: false }), []);
  });

  it('maps captureConfig, captureTimeout in milliseconds as the official SDK', () => {
    const settings = settingsFor({ captureConfig: { captureDepth: 3, maxPayload: 1000, captureTimeout: 250, piiScrubbing: false,
      circuitBreaker: { maxFailures: 5 }, pollIntervalMs: 100, sse: false, maxQueue: 10, maxCapturesPerSecond: 2.5, debug: true } });
    assert.deepEqual(settings, [['captureDepth', 3], ['maxPayload', 1000], ['captureTimeoutMs', 250], ['piiScrubbing', 0],
      ['circuitBreaker', 5, 60000, 300000], ['pollIntervalMs', 100], ['sse', 0], ['maxQueue', 10], ['maxCapturesPerSecond', 2.5],
      ['debug', true]]);
  });

  it('turns the official PII pattern entries (RegExp, marker) into PCRE2 patterns', () => {
    const settings = settingsFor({ captureConfig: { piiPatterns: [
      { pattern: /EMP-\d{6}/i, marker: '[REDACTED:employee_id]' },
      { name: 'order_ref', pattern: 'ORD-[0-9]+' },
    ] } });
    assert.deepEqual(settings, [['piiPattern', 'employee_id', '(?i)EMP-\\d{6}'], ['piiPattern', 'order_ref', 'ORD-[0-9]+']]);
    assert.throws(() => settingsFor({ captureConfig: { piiPatterns: [{ pattern: /x/y, marker: '[REDACTED:x]' }] } }), /flags "y"/);
    assert.throws(() => settingsFor({ captureConfig: { piiPatterns: [{ pattern: /x/, marker: 'oops' }] } }), /marker/);
  });

  it('refuses wrong types, ranges and unknown keys with a TraceKitError', () => {
    const refused = (config, message) => assert.throws(() => settingsFor(config), { name: 'TraceKitError', code: 'TK_ERR_INVALID_ARGUMENT', message });
    refused(null, /config must be an object/);
    refused({ apiKey: 42 }, /apiKey must be a string, got number/);
    refused({ apiKey: 'a\0b' }, /NUL/);
    refused({ enableCodeMonitoring: 'yes' }, /enableCodeMonitoring must be a boolean/);
    refused({ captureConfig: { captureDepth: 1.5 } }, /captureDepth must be an integer/);
    refused({ captureConfig: { maxQueue: 2 ** 31 } }, /maxQueue must be between 0 and 2147483647/);
    refused({ captureConfig: { circuitBreaker: { tries: 1 } } }, /unknown captureConfig.circuitBreaker keys: tries/);
    refused({ apikey: 'k' }, /unknown config keys: apikey/);
  });
});

describe('conversionLimits', () => {
  it('follows the capture options so that the library decides what is cut', () => {
    assert.deepEqual({ ...conversionLimits({}) }, { maxDepth: 65, maxItems: 65537, maxString: 32768, maxNodes: 65537 });
    assert.deepEqual({ ...conversionLimits({ captureConfig: { captureDepth: 100, maxPayload: 0, maxStringLength: 0 } }) },
      { maxDepth: 101, maxItems: 1000000, maxString: 1 << 24, maxNodes: 1000000 });
  });
});
