'use strict';

// Thrown by init() and the client's management calls (never by a
// checkpoint). code is the library's status name, e.g. "TK_ERR_INVALID_ARGUMENT".
class TraceKitError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'TraceKitError';
    this.code = code;
  }

  // The same error for one the addon threw (its code is the status name).
  static from(error) {
    if (error instanceof TraceKitError) return error;
    return new TraceKitError(typeof error?.code === 'string' ? error.code : 'TK_ERR_INTERNAL', String(error?.message ?? error));
  }
}

// tk_status values (include/tracekit.h).
const Status = Object.freeze({
  OK: 0,
  INVALID_ARGUMENT: 1,
  INVALID_JSON: 2,
  INVALID_PATTERN: 3,
  NO_MEMORY: 4,
  SHUT_DOWN: 5,
  QUEUE_FULL: 6,
  DISABLED: 7,
  INTERNAL: 8,
  TIMEOUT: 9,
});

module.exports = { TraceKitError, Status };
