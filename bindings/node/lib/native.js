'use strict';
// Loads the addon (build/tracekit_node.node, made by build.sh against the
// installed libtracekit) once, on first use.

const path = require('node:path');
const { TraceKitError } = require('./errors');

const ADDON = path.join(__dirname, '..', 'build', 'tracekit_node.node');
let addon = null;

function load() {
  if (addon === null) {
    try {
      addon = require(ADDON);
    } catch (error) {
      throw new TraceKitError('TK_ERR_INTERNAL',
        `the tracekit-native addon could not be loaded (${error.message}); build it with ` +
        '`sh build.sh` (needs gcc, the Node.js headers and libtracekit found by pkg-config)');
    }
  }
  return addon;
}

module.exports = { load };
