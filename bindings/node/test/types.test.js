'use strict';
// index.d.ts: the documented use type-checks under tsc --strict, and misuse
// does not (TypeScript from Debian's node-typescript).

const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { it } = require('node:test');

const TYPES = path.join(__dirname, 'types');

function tsc(file) {
  const result = spawnSync('tsc', ['--noEmit', '--strict', '--target', 'es2022', '--lib', 'es2022,dom', '--moduleResolution', 'node',
    path.join(TYPES, file), path.join(TYPES, 'node-http.d.ts')], { encoding: 'utf8' });
  assert.equal(result.error, undefined, `tsc could not run: ${result.error}`);
  return result;
}

it('type-checks the documented use of the package', () => {
  const result = tsc('usage.ts');
  assert.equal(result.status, 0, result.stdout + result.stderr);
});

it('rejects a wrong option type, a numeric label and a wrong capture option', () => {
  const result = tsc('misuse.ts');
  assert.notEqual(result.status, 0);
  assert.deepEqual(result.stdout.match(/misuse\.ts\((\d+),/g), ['misuse.ts(4,', 'misuse.ts(5,', 'misuse.ts(6,']);
});
