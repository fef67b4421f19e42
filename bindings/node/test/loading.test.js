'use strict';
// Which libtracekit the package accepts: the same major version only.
const test = require('node:test');
const assert = require('node:assert');
const { checkVersion } = require('../lib/native');
const { version } = require('../package.json');

test('a libtracekit of the same major version is accepted', () => {
  assert.doesNotThrow(() => checkVersion({ libraryVersion: () => `${version.split('.')[0]}.99.0` }));
});

test('a libtracekit of another major version is refused, naming both versions', () => {
  const other = `${Number(version.split('.')[0]) + 1}.0.0`;
  assert.throws(() => checkVersion({ libraryVersion: () => other }),
    (error) => error.code === 'TK_ERR_INTERNAL' && error.message.includes(other) && error.message.includes(version));
});
