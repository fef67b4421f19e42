/*
 * tracekit.h — the C API of libtracekit, TraceKit Native's capture engine.
 *
 * Conventions (they hold for every function below unless its comment says
 * otherwise):
 *
 *  - Thread-safety: every function may be called from any thread, at the
 *    same time as any other, on the same or different objects.
 *  - Errors: functions that can fail return a tk_status (or NULL) and leave a
 *    human-readable message for tk_last_error() on the calling thread. No
 *    function aborts, exits or raises a signal, whatever its input.
 *  - NULL: every pointer argument may be NULL; a NULL where a value is
 *    required is TK_ERR_INVALID_ARGUMENT, never a crash.
 *  - Ownership: strings passed in are copied; the caller keeps them.
 *    Returned strings are either static (said so) or owned by the caller and
 *    released with tk_free().
 *  - Secrets: the API key never appears in messages, logs or errors.
 */
#ifndef TRACEKIT_H
#define TRACEKIT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------
 * Version
 * ------------------------------------------------------------------------- */

#define TK_VERSION_MAJOR 0
#define TK_VERSION_MINOR 1
#define TK_VERSION_PATCH 0

/* The library's version, e.g. "0.1.0". Static: do not free. */
const char *tk_version(void);

/* ---------------------------------------------------------------------------
 * Status codes and errors
 * ------------------------------------------------------------------------- */

/* Values are ABI: new codes are only ever appended at the end, existing ones
   never change or go away. Treat an unknown value like TK_ERR_INTERNAL. */
typedef enum {
  TK_OK = 0,
  TK_ERR_INVALID_ARGUMENT, /* NULL where a value is needed, or a value out of range */
  TK_ERR_INVALID_JSON,     /* the document is not JSON; tk_last_error has the byte offset */
  TK_ERR_INVALID_PATTERN,  /* a PII pattern does not compile; PCRE2's message and offset */
  TK_ERR_NO_MEMORY,
  TK_ERR_SHUT_DOWN,        /* the client has been shut down */
  TK_ERR_QUEUE_FULL,       /* captured, but the send queue was full: dropped and counted */
  TK_ERR_DISABLED,         /* no longer returned (a flush timeout is TK_ERR_TIMEOUT) */
  TK_ERR_INTERNAL,         /* the system refused a resource (e.g. a thread); a bug otherwise */
  TK_ERR_TIMEOUT           /* a flush or shutdown did not finish in time */
} tk_status;

/* A short description of a status, e.g. "invalid JSON". Static: do not
   free. Unknown values give "unknown status". */
const char *tk_status_str(tk_status status);

/* The message of the last failure on the calling thread ("" if none).
   Thread-local; valid until the next failing call on the same thread.
   Successful calls do not clear it. Do not free. */
const char *tk_last_error(void);

/* Releases memory returned by this library (tk_sanitize_json, ...).
   NULL is a no-op. */
void tk_free(void *pointer);

/* Passed as a length: the string is NUL-terminated. */
#define TK_NUL_TERMINATED ((size_t)-1)

/* ---------------------------------------------------------------------------
 * Options
 *
 * An options object starts with the defaults below, then applies these
 * environment variables, then whatever the setters change:
 *
 *   variable                      option              format
 *   TRACEKIT_API_KEY              api_key             string
 *   TRACEKIT_SERVICE_NAME         service_name        [A-Za-z0-9._~-]{1,256}
 *   TRACEKIT_ENDPOINT             endpoint            http(s)://host[:port][/path]
 *   TRACEKIT_CODE_MONITORING      code_monitoring     true/false/1/0/yes/no/on/off
 *   TRACEKIT_CAPTURE_DEPTH        capture_depth       integer
 *   TRACEKIT_MAX_PAYLOAD          max_payload         integer (bytes)
 *   TRACEKIT_CAPTURE_TIMEOUT_MS   capture_timeout_ms  integer (milliseconds)
 *   TRACEKIT_PII_SCRUBBING        pii_scrubbing       true/false/1/0/yes/no/on/off
 *
 * Setters validate: a bad value returns TK_ERR_INVALID_ARGUMENT, leaves the
 * option unchanged, and tk_last_error() names the option.
 * ------------------------------------------------------------------------- */

typedef struct tk_options tk_options;

/* New options: defaults, then TRACEKIT_* environment variables. Returns NULL
   if an environment variable holds an invalid value (tk_last_error names
   it and its problem). Free with tk_options_free. */
tk_options *tk_options_new(void);

/* Releases options. NULL is a no-op. A client made from them keeps its own
   copy, so options may be freed right after tk_client_new. Freeing twice,
   or using options after freeing them, is undefined. */
void tk_options_free(tk_options *options);

/* The TraceKit API key, sent as X-API-Key. 1–1024 printable ASCII bytes
   without spaces. Default: "" (unset). */
tk_status tk_options_set_api_key(tk_options *options, const char *api_key);

/* The service name breakpoints are looked up for. 1–256 characters of
   A-Z a-z 0-9 . _ ~ -. Default: "default". */
tk_status tk_options_set_service_name(tk_options *options, const char *service_name);

/* The backend's base URL, "http(s)://host[:port]" (a path prefix is kept).
   An OTLP traces URL (".../v1/traces") is accepted and its path removed, as
   the official SDKs do. Default: "https://app.tracekit.dev". */
tk_status tk_options_set_endpoint(tk_options *options, const char *base_url);

/* Non-zero: checkpoints capture when a breakpoint is enabled. Zero: every
   checkpoint is a no-op. Default: 1. */
tk_status tk_options_set_code_monitoring(tk_options *options, int enabled);

/* Containers nested deeper than this become {"_truncated":true,"_depth":N}
   (arrays also carry "_length"). The root is depth 0, so depth 1 keeps the
   top-level object's scalar members. 0 = no limit of its own, but nesting
   beyond 256 levels is always cut (a larger value acts as 256). Range 0–100000. Default: 10. */
tk_status tk_options_set_capture_depth(tk_options *options, int32_t depth);

/* The largest sanitized variables document, in bytes. A larger one is
   replaced whole by {"_truncated":true,"_payload_size":N,"_max_payload":M,
   "_truncated_by":"payload_limit"}. 0 = unlimited. Default: 65536.
   Exact bound: the output of tk_sanitize_json is at most
   max(max_payload, 84 + digits(N) + digits(M)) bytes, where the second term
   (at most 124 bytes) is the marker's length. */
tk_status tk_options_set_max_payload(tk_options *options, int64_t bytes);

/* String values and keys longer than this many bytes (after scrubbing) are
   cut at a character boundary (never inside a redaction marker) and end with
   "[TRUNCATED:<original length> bytes]". 0 = unlimited. Default: 8192. */
tk_status tk_options_set_max_string_length(tk_options *options, int64_t bytes);

/* Bounds each network request and the flush of tk_client_shutdown
   (0 = 5 s for both).
   Range 0–600000. Default: 5000. */
tk_status tk_options_set_capture_timeout_ms(tk_options *options, int64_t ms);

/* Non-zero: scrub PII (docs/PII.md: 12 value patterns, sensitive key
   names, typed keys, custom patterns). Zero: only bound. Default: 1.
   Sensitive HTTP headers in request context are redacted either way. */
tk_status tk_options_set_pii_scrubbing(tk_options *options, int enabled);

/* Adds a PCRE2 pattern whose matches become "[REDACTED:<name>]". name:
   1–64 characters of [a-z0-9_]. The pattern is compiled (with JIT) at once:
   one that does not compile returns TK_ERR_INVALID_PATTERN with PCRE2's
   message and offset, and the options are unchanged. At most 64 patterns. */
tk_status tk_options_add_pii_pattern(tk_options *options, const char *name, const char *pcre2_pattern);

/* The circuit breaker: after max_failures failed deliveries within
   window_ms, captures are suppressed for cooldown_ms, then one probe
   decides. A failed delivery is a snapshot whose attempts (the first and
   two retries) all failed with 5xx or a network error: it counts once, and
   a retry that succeeds counts nothing. Each ≥ 1. Default: 3, 60000, 300000. */
tk_status tk_options_set_circuit_breaker(tk_options *options, int32_t max_failures,
                                         int64_t window_ms, int64_t cooldown_ms);

/* How often breakpoints are polled while SSE is not up. ≥ 100.
   Default: 30000 (60000 while the kill switch is on). */
tk_status tk_options_set_poll_interval_ms(tk_options *options, int64_t ms);

/* Non-zero: use the server's SSE stream when it offers one. Default: 1. */
tk_status tk_options_set_sse(tk_options *options, int enabled);

/* Snapshots waiting to be sent, besides the up to 16 being sent at once;
   beyond it captures are dropped and counted. Range 1–1000000. Default: 1000. */
tk_status tk_options_set_max_queue(tk_options *options, int32_t snapshots);

/* Process-wide capture budget (token bucket). 0 = unlimited.
   Range 0–1000000. Default: 100. */
tk_status tk_options_set_max_captures_per_second(tk_options *options, double per_second);

/* Log levels passed to a tk_log_fn. */
#define TK_LOG_DEBUG 0
#define TK_LOG_INFO 1
#define TK_LOG_WARNING 2
#define TK_LOG_ERROR 3

/* Receives the library's log lines. Called from the library's own threads,
   possibly several at once: it must be thread-safe and must not call back
   into the client. message is valid only during the call. */
typedef void (*tk_log_fn)(int level, const char *message, void *userdata);

/* Sets (or, with fn NULL, removes) the logger. Default: none (silent).
   userdata is passed back as is; the caller keeps it alive while any client
   made from these options exists. */
tk_status tk_options_set_logger(tk_options *options, tk_log_fn fn, void *userdata);

/* ---------------------------------------------------------------------------
 * Sanitizing
 * ------------------------------------------------------------------------- */

/* Scrubs PII from and bounds one JSON document, as a capture would with
   these options, in one pass: depth limit, per-string cap, payload limit,
   PII patterns on every string value and key at every depth, sensitive key
   names, typed keys. Pure: no network, no client needed.

   json: len bytes, or NUL-terminated if len == TK_NUL_TERMINATED.
   Any RFC 8259 JSON value; invalid UTF-8 and lone surrogate escapes become
   U+FFFD; numbers are kept verbatim.

   Returns compact, valid UTF-8 JSON, NUL-terminated, owned by the caller
   (tk_free); its size bound is under tk_options_set_max_payload. On error
   returns NULL: TK_ERR_INVALID_ARGUMENT (NULL options or json),
   TK_ERR_INVALID_JSON (tk_last_error gives the byte offset and reason),
   TK_ERR_NO_MEMORY. status_out, if not NULL, receives the status. */
char *tk_sanitize_json(const tk_options *options, const char *json, size_t len, tk_status *status_out);

/* ---------------------------------------------------------------------------
 * Expressions
 * ------------------------------------------------------------------------- */

/* Evaluates a condition/expression of the portable (SDK-evaluable) language
   of docs/PROTOCOL.md "Conditions" on a JSON document, as a breakpoint condition
   would be: literals, dotted paths, == != < <= > >=, + - * /, "k" in map,
   && || !, parentheses. Lets users check a condition before setting it.

   variables_json: len bytes or TK_NUL_TERMINATED; NULL is an error.
   Returns the value as compact JSON text ("true", "300", "\"GET /\"",
   "null"), owned by the caller (tk_free). On error returns NULL:
   TK_ERR_INVALID_ARGUMENT (NULL expression or document, or an expression
   that does not parse or evaluate: tk_last_error gives the byte offset and
   reason, e.g. server-only functions), TK_ERR_INVALID_JSON. Pure and
   sandboxed: bounded size and steps, no side effects. */
char *tk_eval_expression(const char *expression, const char *variables_json, size_t len,
                         tk_status *status_out);

/* ---------------------------------------------------------------------------
 * Client
 *
 * A client keeps the breakpoints of one service in sync with the backend
 * (an immediate poll, then SSE when offered, else polling) and sends
 * captured snapshots from its own threads. Checkpoints never wait on the
 * network: a capture scrubs and bounds the variables, queues the snapshot
 * and returns.
 *
 * Lifecycle: tk_client_new -> calls from any threads -> tk_client_shutdown
 * (any thread, any number of times, also while other threads still call
 * in) -> tk_client_free once no thread uses the handle any more. After
 * shutdown the handle stays valid: captures return TK_ERR_SHUT_DOWN, flush
 * TK_ERR_SHUT_DOWN, stats the final counters; nothing is sent any more.
 *
 * fork(): a client belongs to the process that created it. In a forked
 * child every call on it is a no-op returning TK_OK (captures) or an empty
 * result, its threads are not running there, and tk_client_shutdown and
 * tk_client_free only mark and release it; the parent is unaffected.
 * Create a new client in the child if it needs one. What a fork() costs the
 * host: it waits until the library's threads are between two steps of work
 * (at most 200 ms, usually microseconds: they are mostly waiting on the
 * network), so that the child never inherits one of them halfway through a
 * one-time initialisation a new client would then wait on for good.
 * ------------------------------------------------------------------------- */

typedef struct tk_client tk_client;

/* Creates a client from a copy of options (which may be freed right after)
   and starts its threads. Returns NULL on error, with tk_last_error always
   set: NULL options or api_key unset (TK_ERR_INVALID_ARGUMENT), threads
   could not start (TK_ERR_INTERNAL). Free with tk_client_free. */
tk_client *tk_client_new(const tk_options *options);

/* Waits until every snapshot queued before the call is sent or dropped, or
   timeout_ms passes (0: do not wait). TK_OK when the queue drained in time,
   TK_ERR_TIMEOUT when it did not, TK_ERR_SHUT_DOWN after shutdown began. */
tk_status tk_client_flush(tk_client *client, int64_t timeout_ms);

/* The client's counters as one JSON object, owned by the caller (tk_free):
   captured, sent, failed, retried, dropped_queue_full, dropped_circuit_open,
   suppressed_kill_switch, suppressed_circuit, suppressed_rate_limit,
   suppressed_condition, suppressed_expired, suppressed_max_captures,
   suppressed_frequency, redactions, truncations, polls, poll_errors,
   sse_connects, sse_events, registrations, registration_errors,
   invalid_input, sites_overflow (checkpoints beyond 100,000 distinct sites,
   which stay inert), sse_connected (bool), kill_switch (bool), circuit_state
   ("closed", "open", "half_open"), queue_depth, breakpoints, sites.
   In a forked child: "{}". NULL for a NULL client. */
char *tk_client_stats(tk_client *client);

/* Sends what is queued (for at most capture_timeout), then stops and joins
   the client's threads; the handle stays valid until tk_client_free.
   Returns within capture_timeout + 1 s whatever the backend does: TK_OK
   when everything queued was sent, TK_ERR_TIMEOUT when the rest had to be
   dropped (counted as "failed"). Calls on other threads while it runs and
   after it return TK_ERR_SHUT_DOWN (captures, flush, tk_site_get), 0
   (tk_site_active) or the final counters (stats). Idempotent: a second call
   waits for the first to finish and returns TK_OK. NULL:
   TK_ERR_INVALID_ARGUMENT. */
tk_status tk_client_shutdown(tk_client *client);

/* Shuts the client down if that has not happened yet (as
   tk_client_shutdown), then releases it and its tk_site handles. The caller
   guarantees no other thread uses the handle any more; using it afterwards,
   or freeing twice, is undefined. NULL is a no-op. */
void tk_client_free(tk_client *client);

/* ---------------------------------------------------------------------------
 * Checkpoints
 * ------------------------------------------------------------------------- */

/* A checkpoint: the official SDKs' CheckAndCaptureWithContext. If a
   breakpoint matches this site ("function:label", else "file:line", where
   the breakpoint's file matches when it is a suffix of `file` on whole path
   components: "pay.c", "src/pay.c" and "/srv/src/pay.c" all match
   "/srv/src/pay.c", "ay.c" does not; the most specific wins; an enabled
   breakpoint before a disabled one, one a person set before an
   auto-registered one) and is
   enabled, not expired, under max_captures and its frequency, the kill
   switch is off, the circuit closed, the process-wide rate allows it and
   its SDK-evaluable condition holds (an evaluation error captures anyway),
   the variables are scrubbed and bounded with the breakpoint's limits and
   the snapshot is queued; the call returns without touching the network.

   label: required, non-empty. file, function: may be NULL (""). line ≥ 0.
   variables_json: required JSON (len bytes or TK_NUL_TERMINATED); parsed
   only when capturing. context_json: optional JSON object with any of
   "trace_id", "span_id", "request" {"method","path","url","remote_addr",
   "user_agent","query","headers":{...}} and "stack_trace"
   [{"function","file","line"}] (a frame may also be the string
   "function (file:line)", taken as it is); without a stack_trace the
   native stack is recorded. Sensitive headers (Authorization, Cookie, X-API-Key, ...) are
   always redacted.

   Returns TK_OK when captured or skipped by design (stats say why),
   TK_ERR_QUEUE_FULL when captured but dropped, TK_ERR_INVALID_ARGUMENT,
   TK_ERR_INVALID_JSON (only when capturing), TK_ERR_SHUT_DOWN. The first
   hit of a site registers it with the backend (its file, line, function,
   label), once per process per function:label, in the background, whether
   or not a breakpoint already matches it: tracekit-server creates it
   enabled with bounded defaults (see server/README.md) and the client
   refreshes its breakpoints at once. */
tk_status tk_capture(tk_client *client, const char *label, const char *file, int32_t line,
                     const char *function, const char *variables_json, size_t len,
                     const char *context_json);

/* tk_capture with this call site's file, line and function. */
#define TK_CAPTURE(client, label, vars_json, context_json)                                \
  tk_capture((client), (label), __FILE__, __LINE__, __func__, (vars_json), TK_NUL_TERMINATED, \
             (context_json))

/* A call site handle, interned per (label, file, line, function): the same
   arguments give the same handle. Owned by the client (valid until
   tk_client_free, also after shutdown; do not free). Returns NULL on error (NULL client or label,
   empty label: TK_ERR_INVALID_ARGUMENT; shut down: TK_ERR_SHUT_DOWN). */
typedef struct tk_site tk_site;
tk_site *tk_site_get(tk_client *client, const char *label, const char *file, int32_t line,
                     const char *function);

/* Non-zero when a capture at this site would be attempted now. One atomic
   load: call it on every pass to skip building the variables when 0.
   NULL gives 0.

   Part of the ABI: a tk_site * points at its active flag, a naturally
   aligned 32-bit int (non-zero = active) that stays valid as long as the
   site. Bindings whose language cannot call C cheaply (Go, Node.js, PHP,
   Java) may read that int directly with a relaxed 32-bit atomic load
   instead of calling tk_site_active; they must never write it. */
int tk_site_active(const tk_site *site);

/* The address of the 32-bit flag tk_site_active loads, for bindings whose
   languages cannot call C cheaply (PHP FFI, Java): reading the flag
   through this pointer (a relaxed 32-bit load; non-zero = active) is what
   tk_site_active does, without the call. Valid as long as the site is
   (until tk_client_free); read only, never write. NULL gives NULL. */
const int32_t *tk_site_active_cell(const tk_site *site);

/* tk_capture for a site handle. Same arguments and results. After a
   non-zero tk_site_claim it uses the slot claimed there: the limits are
   not checked or counted again. */
tk_status tk_site_capture(tk_site *site, const char *variables_json, size_t len,
                          const char *context_json);

/* The auto-registration of a site's first hit (see tk_capture), without a
   capture: for bindings that skip a site while tk_site_active is 0 and
   still want the backend to learn about it. Never captures, whatever
   breakpoint matches the site (a binding that called tk_site_capture with
   placeholder variables for this would ship them if a breakpoint arrived
   meanwhile). Once per process per function:label, in the background;
   later calls cost one atomic load. A hit of an inactive site under the
   kill switch is counted in tk_client_stats as tk_site_capture would count
   it. Thread-safe; never blocks on the network. TK_OK (also in a forked child, where it does nothing),
   TK_ERR_INVALID_ARGUMENT (NULL site), TK_ERR_SHUT_DOWN. */
tk_status tk_site_register(tk_site *site);

/* Decides every suppression before the caller builds its variables, so that
   a suppressed checkpoint costs about what an inactive one does:

     if (tk_site_claim(site)) {
       build variables_json and context_json;
       tk_site_capture(site, variables_json, len, context_json);
     }

   Non-zero: a capture goes ahead; one capture slot is claimed for it (the
   breakpoint's max_captures and capture_frequency, the process-wide
   max_captures_per_second) and kept for the site's next tk_site_capture.
   0: nothing to capture (inactive, disabled, expired, kill switch, open
   circuit, over a limit, shut down, forked child, NULL site); suppressions
   are counted in tk_client_stats as tk_site_capture would count them.

   A breakpoint condition the library evaluates needs the variables: then a
   non-zero result claims nothing and tk_site_capture decides the condition
   and claims. A claim belongs to the site, not to the calling thread: the
   site's next tk_site_capture for the same breakpoint uses it, whichever
   thread calls; a claim that no capture follows is not refunded (it was
   counted against the limits) and is dropped when the breakpoint changes.
   Thread-safe; never blocks on the network. */
int tk_site_claim(tk_site *site);

#ifdef __cplusplus
}
#endif

#endif /* TRACEKIT_H */
