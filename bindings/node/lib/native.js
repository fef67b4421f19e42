'use strict';
// Loads the addon (build/tracekit_node.node, made by build.sh against the
// installed libtracekit) once, on first use.

const path = require('node:path');
const { TraceKitError } = require('./errors');

const ADDON = path.join(__dirname, '..', 'build', 'tracekit_node.node');
const { version: PACKAGE_VERSION } = require('../package.json');
let addon = null;

// Refuses a libtracekit of another major version: its ABI may differ (the
// SONAME and the symbol version node change with the major version).
function checkVersion(loaded) {
  const library = loaded.libraryVersion();
  if (library.split('.')[0] !== PACKAGE_VERSION.split('.')[0]) {
    throw new TraceKitError('TK_ERR_INTERNAL',
      `libtracekit ${library} is not compatible with tracekit-native ${PACKAGE_VERSION} (the major versions differ)`);
  }
}

function load() {
  if (addon === null) {
    let loaded;
    try {
      loaded = require(ADDON);
    } catch (error) {
      throw new TraceKitError('TK_ERR_INTERNAL',
        `the tracekit-native addon could not be loaded (${error.message}); build it with ` +
        '`sh build.sh` (needs gcc, the Node.js headers and libtracekit found by pkg-config)');
    }
    checkVersion(loaded);
    addon = loaded;
  }
  return addon;
}

module.exports = { load, checkVersion };
