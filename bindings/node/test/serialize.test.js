'use strict';
// Variables become valid, bounded JSON whatever the application passes.

const assert = require('node:assert/strict');
const { describe, it } = require('node:test');

const { Limits, toJSON } = require('../lib/serialize');

const convert = (value, limits = new Limits()) => JSON.parse(toJSON(value, limits));

describe('toJSON', () => {
  it('passes JSON values through, undefined becomes null', () => {
    const value = { s: 'text', n: 1.5, t: true, z: null, list: [1, 'two', undefined], nested: { a: { b: 1 } } };
    assert.deepEqual(convert(value), { ...value, list: [1, 'two', null] });
    assert.deepEqual(convert({ u: undefined }), { u: null });
  });

  it('turns values JSON cannot hold into strings', () => {
    const symbol = Symbol('order');
    const result = convert({ nan: NaN, inf: Infinity, ninf: -Infinity, big: 12345678901234567890123n, symbol,
      fn: function pay() {}, arrow: () => {}, date: new Date(0), bad: new Date(NaN), re: /a+b/gi });
    assert.deepEqual(result, { nan: 'NaN', inf: 'Infinity', ninf: '-Infinity', big: '12345678901234567890123',
      symbol: 'Symbol(order)', fn: '[Function: pay]', arrow: '[Function: arrow]', date: '1970-01-01T00:00:00.000Z',
      bad: 'Invalid Date', re: '/a+b/gi' });
  });

  it('marks cycles, and keeps shared (non-cyclic) objects', () => {
    const shared = { id: 1 };
    const cart = { items: [shared, shared] };
    cart.self = cart;
    cart.items.push(cart.items);
    assert.deepEqual(convert(cart), { items: [{ id: 1 }, { id: 1 }, '[CIRCULAR]'], self: '[CIRCULAR]' });
  });

  it('reports getters and Proxy traps that throw instead of failing', () => {
    const object = { ok: 1, get broken() { throw new RangeError('nope'); } };
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    const keyless = new Proxy({}, { ownKeys() { throw new Error('no keys'); } });
    assert.deepEqual(convert({ object, revoked: revocable.proxy, keyless }),
      { object: { ok: 1, broken: '[THROWS: RangeError]' }, revoked: '[THROWS: TypeError]', keyless: '[THROWS: Error]' });
  });

  it('renders collections, errors, binary data and boxed values', () => {
    const result = convert({ map: new Map([['a', 1], [2, 'b'], [{}, 3]]), set: new Set([1, 2]), error: new TypeError('bad'),
      buffer: Buffer.from('secret'), bytes: new Uint16Array(4), arrayBuffer: new ArrayBuffer(8), promise: Promise.resolve(),
      boxed: Object('text'), weak: new WeakMap() });
    assert.deepEqual(result, { map: { a: 1, 2: 'b', '[Object]': 3 }, set: [1, 2], error: { name: 'TypeError', message: 'bad' },
      buffer: '[Buffer: 6 bytes]', bytes: '[Uint16Array: 8 bytes]', arrayBuffer: '[ArrayBuffer: 8 bytes]',
      promise: '[Promise]', boxed: 'text', weak: '[WeakMap]' });
  });

  it('bounds huge arrays, objects, strings, depth and the number of values', () => {
    const limits = new Limits({ maxDepth: 3, maxItems: 3, maxString: 5, maxNodes: 1000 });
    assert.deepEqual(convert({ list: new Array(1e9) }, limits), { list: [null, null, null, { _truncated: true, _length: 1e9 }] });
    assert.deepEqual(convert({ a: 1, b: 2, c: 3, d: 4 }, limits), { a: 1, b: 2, c: 3, _truncated_keys: true });
    assert.deepEqual(convert({ s: 'abcdefgh' }, limits), { s: 'abcde[TRUNCATED:8 chars]' });
    assert.deepEqual(convert({ a: { b: { c: { d: 1 } } } }, limits), { a: { b: { c: { _truncated: true, _depth: 4 } } } });
    assert.deepEqual(convert({ a: { b: [[1]] } }, limits), { a: { b: [{ _truncated: true, _depth: 4, _length: 1 }] } });
    const few = new Limits({ maxNodes: 3 });
    assert.deepEqual(convert([1, 2, 3, 4], few), [1, 2, { _truncated: true }, { _truncated: true }]);
  });

  it('does not call toJSON or walk prototype properties', () => {
    class Order { constructor() { this.id = 7; } toJSON() { throw new Error('must not run'); } }
    Order.prototype.inherited = 'no';
    assert.deepEqual(convert({ order: new Order() }), { order: { id: 7 } });
  });
});
