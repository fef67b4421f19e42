/*
 * tracekit_node.c — the Node-API addon under the `tracekit-native` package.
 *
 * A thin layer over tracekit.h; the JavaScript side (lib/) validates input
 * and keeps checkpoints off this layer while they are inactive: a site's
 * active flag is handed to JavaScript as an Int32Array over the library's
 * own cell (tk_site_active_cell), read without calling in here.
 *
 * Lifetime: a client wrapper lives until its environment (the main thread
 * or a worker thread) is torn down. shutdown() frees the library client on
 * the libuv thread pool (tk_client_shutdown may wait up to
 * capture_timeout + 1 s to send what is queued), so the event loop never
 * waits for it; at the process's 'exit' event lib/client.js frees what is
 * left with closeSync(); a worker thread's clients are freed at its
 * teardown. Node.js has no fork():
 * cluster and child_process start fresh processes that load this addon anew.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tracekit.h>

/* ------------------------------------------------------------------------
 * Errors
 * --------------------------------------------------------------------- */

static const char *const STATUS_CODES[] = {
    "TK_OK",          "TK_ERR_INVALID_ARGUMENT", "TK_ERR_INVALID_JSON", "TK_ERR_INVALID_PATTERN",
    "TK_ERR_NO_MEMORY", "TK_ERR_SHUT_DOWN",     "TK_ERR_QUEUE_FULL",   "TK_ERR_DISABLED",
    "TK_ERR_INTERNAL", "TK_ERR_TIMEOUT",
};

static const char *status_code(tk_status status) {
  size_t index = (size_t)status;
  return index < sizeof STATUS_CODES / sizeof STATUS_CODES[0] ? STATUS_CODES[index] : "TK_ERR_INTERNAL";
}

/* After a failed library call: throws an Error whose code is the status
   name and whose message is "<what>: <tk_last_error or tk_status_str>"
   (what NULL: the message names its subject already). */
static napi_value throw_status(napi_env env, tk_status status, const char *what) {
  const char *detail = tk_last_error();
  if (detail == NULL || detail[0] == '\0') detail = tk_status_str(status);
  char message[1024];
  if (what == NULL) snprintf(message, sizeof message, "%s", detail);
  else snprintf(message, sizeof message, "%s: %s", what, detail);
  napi_throw_error(env, status_code(status), message);
  return NULL;
}

/* A failure of this layer, not of a library call (tk_last_error would be
   stale): an Error with the status name as code and message as is. */
static napi_value throw_plain(napi_env env, tk_status status, const char *message) {
  napi_throw_error(env, status_code(status), message);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, "TK_ERR_INVALID_ARGUMENT", message);
  return NULL;
}

#define CALL(env, call)                                                       \
  do {                                                                        \
    if ((call) != napi_ok) {                                                  \
      const napi_extended_error_info *info = NULL;                            \
      napi_get_last_error_info((env), &info);                                 \
      bool pending = false;                                                   \
      napi_is_exception_pending((env), &pending);                             \
      if (!pending)                                                           \
        napi_throw_error((env), "TK_ERR_INTERNAL",                            \
                         info && info->error_message ? info->error_message    \
                                                     : "Node-API call failed"); \
      return NULL;                                                            \
    }                                                                         \
  } while (0)

/* ------------------------------------------------------------------------
 * Values
 * --------------------------------------------------------------------- */

/* A JavaScript string as a NUL-terminated UTF-8 copy (free() it), or NULL
   with a TypeError thrown. length_out: its byte length. */
static char *utf8_copy(napi_env env, napi_value value, const char *what, size_t *length_out) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) {
    char message[128];
    snprintf(message, sizeof message, "%s must be a string", what);
    throw_type(env, message);
    return NULL;
  }
  char *text = malloc(length + 1);
  if (text == NULL) {
    napi_throw_error(env, "TK_ERR_NO_MEMORY", "out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, value, text, length + 1, &length);
  if (length_out != NULL) *length_out = length;
  return text;
}

static bool is_nullish(napi_env env, napi_value value) {
  napi_valuetype type = napi_undefined;
  napi_typeof(env, value, &type);
  return type == napi_undefined || type == napi_null;
}

/* ------------------------------------------------------------------------
 * Client wrappers
 *
 * A wrapper counts the calls in flight on its client so that freeing it
 * waits for them (a flush on the thread pool, a capture on the JS thread)
 * and every later call sees `closing` and does nothing. tk_client_shutdown
 * comes first: it is safe while calls are in flight and ends a waiting
 * flush at once.
 * --------------------------------------------------------------------- */

typedef struct client_wrapper {
  tk_client *client;
  pthread_mutex_t lock;
  pthread_cond_t changed;
  int users;    /* calls in flight */
  bool closing; /* a close has begun: no new calls */
  bool freed;   /* tk_client_shutdown and tk_client_free have returned */
  struct client_wrapper *next;
} client_wrapper;

/* Per environment (main thread, each worker): every wrapper made there. */
typedef struct {
  client_wrapper *wrappers;
} instance_data;

static bool wrapper_enter(client_wrapper *wrapper) {
  pthread_mutex_lock(&wrapper->lock);
  bool open = !wrapper->closing;
  if (open) wrapper->users++;
  pthread_mutex_unlock(&wrapper->lock);
  return open;
}

static void wrapper_leave(client_wrapper *wrapper) {
  pthread_mutex_lock(&wrapper->lock);
  if (--wrapper->users == 0) pthread_cond_broadcast(&wrapper->changed);
  pthread_mutex_unlock(&wrapper->lock);
}

/* Shuts the library client down and frees it, once, after the calls in
   flight; a second closer waits until the first is done. Blocks up to
   capture_timeout + 1 s: call it on the thread pool, or at exit/teardown. */
static void wrapper_close(client_wrapper *wrapper) {
  pthread_mutex_lock(&wrapper->lock);
  if (wrapper->closing) {
    while (!wrapper->freed) pthread_cond_wait(&wrapper->changed, &wrapper->lock);
    pthread_mutex_unlock(&wrapper->lock);
    return;
  }
  wrapper->closing = true;
  pthread_mutex_unlock(&wrapper->lock);
  tk_client_shutdown(wrapper->client);
  pthread_mutex_lock(&wrapper->lock);
  while (wrapper->users > 0) pthread_cond_wait(&wrapper->changed, &wrapper->lock);
  pthread_mutex_unlock(&wrapper->lock);
  tk_client_free(wrapper->client);
  pthread_mutex_lock(&wrapper->lock);
  wrapper->client = NULL;
  wrapper->freed = true;
  pthread_cond_broadcast(&wrapper->changed);
  pthread_mutex_unlock(&wrapper->lock); /* the last touch: a waiter may free it now */
}

/* Environment teardown: closes what JavaScript left open, then frees. */
static void instance_finalize(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  instance_data *instance = data;
  client_wrapper *wrapper = instance->wrappers;
  while (wrapper != NULL) {
    client_wrapper *next = wrapper->next;
    wrapper_close(wrapper);
    pthread_cond_destroy(&wrapper->changed);
    pthread_mutex_destroy(&wrapper->lock);
    free(wrapper);
    wrapper = next;
  }
  free(instance);
}

/* Handles are externals tagged with their kind, so that a site handle is
   never taken for a client or the reverse. */
static const napi_type_tag CLIENT_TAG = {0x7472616365b17c01ULL, 0x636c69656e74a001ULL};
static const napi_type_tag SITE_TAG = {0x7472616365b17c01ULL, 0x73697465a0000002ULL};

static napi_value tagged_external(napi_env env, void *pointer, const napi_type_tag *tag) {
  napi_value handle;
  if (napi_create_external(env, pointer, NULL, NULL, &handle) != napi_ok ||
      napi_type_tag_object(env, handle, tag) != napi_ok) {
    napi_throw_error(env, "TK_ERR_INTERNAL", "could not create a handle");
    return NULL;
  }
  return handle;
}

/* The pointer in a handle of that kind, else NULL. */
static void *tagged_pointer(napi_env env, napi_value handle, const napi_type_tag *tag) {
  bool tagged = false;
  void *pointer = NULL;
  if (napi_check_object_type_tag(env, handle, tag, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, handle, &pointer) != napi_ok)
    return NULL;
  return pointer;
}

/* The call's arguments (count of them, the first a client handle) into
   args; the client's wrapper, or NULL with a TypeError thrown naming usage. */
static client_wrapper *client_call(napi_env env, napi_callback_info info, size_t count, napi_value *args,
                                   const char *usage) {
  size_t argc = count;
  void *pointer = NULL;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc < count ||
      (pointer = tagged_pointer(env, args[0], &CLIENT_TAG)) == NULL) {
    char message[160];
    snprintf(message, sizeof message, "%s: expects a TraceKit client handle first", usage);
    throw_type(env, message);
    return NULL;
  }
  return pointer;
}

/* ------------------------------------------------------------------------
 * Options: createClient(settings)
 *
 * settings is an array of [name, ...values] pairs, already checked for type
 * and range by lib/options.js; the library validates the rest.
 * --------------------------------------------------------------------- */

static void stderr_logger(int level, const char *message, void *userdata) {
  (void)userdata;
  static const char *const names[] = {"debug", "info", "warning", "error"};
  fprintf(stderr, "tracekit: %s: %s\n", level >= 0 && level <= 3 ? names[level] : "log", message);
}

static bool get_element(napi_env env, napi_value array, uint32_t index, napi_value *out) {
  return napi_get_element(env, array, index, out) == napi_ok;
}

static int64_t int64_element(napi_env env, napi_value array, uint32_t index) {
  napi_value value;
  int64_t number = 0;
  if (get_element(env, array, index, &value)) napi_get_value_int64(env, value, &number);
  return number;
}

/* Applies one [name, ...values] setting; false with an exception pending. */
static bool apply_setting(napi_env env, tk_options *options, napi_value setting) {
  napi_value name_value, first;
  char name[64];
  size_t name_length = 0;
  if (!get_element(env, setting, 0, &name_value) ||
      napi_get_value_string_utf8(env, name_value, name, sizeof name, &name_length) != napi_ok ||
      !get_element(env, setting, 1, &first)) {
    throw_type(env, "a setting must be [name, value]");
    return false;
  }
  tk_status status = TK_ERR_INVALID_ARGUMENT;
  if (strcmp(name, "apiKey") == 0 || strcmp(name, "serviceName") == 0 || strcmp(name, "endpoint") == 0) {
    char *text = utf8_copy(env, first, name, NULL);
    if (text == NULL) return false;
    status = name[0] == 'a'   ? tk_options_set_api_key(options, text)
             : name[0] == 's' ? tk_options_set_service_name(options, text)
                              : tk_options_set_endpoint(options, text);
    free(text);
  } else if (strcmp(name, "piiPattern") == 0) {
    napi_value pattern_value;
    char *pattern_name = utf8_copy(env, first, "PII pattern name", NULL);
    char *pattern = NULL;
    if (pattern_name != NULL && get_element(env, setting, 2, &pattern_value))
      pattern = utf8_copy(env, pattern_value, "PII pattern", NULL);
    if (pattern != NULL) status = tk_options_add_pii_pattern(options, pattern_name, pattern);
    free(pattern_name);
    free(pattern);
    if (pattern == NULL) return false;
  } else if (strcmp(name, "maxCapturesPerSecond") == 0) {
    double rate = 0;
    napi_get_value_double(env, first, &rate);
    status = tk_options_set_max_captures_per_second(options, rate);
  } else if (strcmp(name, "circuitBreaker") == 0) {
    status = tk_options_set_circuit_breaker(options, (int32_t)int64_element(env, setting, 1),
                                            int64_element(env, setting, 2), int64_element(env, setting, 3));
  } else if (strcmp(name, "debug") == 0) {
    bool on = false;
    napi_get_value_bool(env, first, &on);
    status = tk_options_set_logger(options, on ? stderr_logger : NULL, NULL);
  } else {
    int64_t number = int64_element(env, setting, 1);
    if (strcmp(name, "enableCodeMonitoring") == 0) status = tk_options_set_code_monitoring(options, number != 0);
    else if (strcmp(name, "piiScrubbing") == 0) status = tk_options_set_pii_scrubbing(options, number != 0);
    else if (strcmp(name, "sse") == 0) status = tk_options_set_sse(options, number != 0);
    else if (strcmp(name, "captureDepth") == 0) status = tk_options_set_capture_depth(options, (int32_t)number);
    else if (strcmp(name, "maxQueue") == 0) status = tk_options_set_max_queue(options, (int32_t)number);
    else if (strcmp(name, "maxPayload") == 0) status = tk_options_set_max_payload(options, number);
    else if (strcmp(name, "maxStringLength") == 0) status = tk_options_set_max_string_length(options, number);
    else if (strcmp(name, "captureTimeoutMs") == 0) status = tk_options_set_capture_timeout_ms(options, number);
    else if (strcmp(name, "pollIntervalMs") == 0) status = tk_options_set_poll_interval_ms(options, number);
    else {
      char message[128];
      snprintf(message, sizeof message, "unknown setting %s", name);
      throw_type(env, message);
      return false;
    }
  }
  if (status != TK_OK) {
    throw_status(env, status, NULL); /* tk_last_error names the option */
    return false;
  }
  return true;
}

static napi_value create_client(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value settings;
  CALL(env, napi_get_cb_info(env, info, &argc, &settings, NULL, NULL));
  uint32_t count = 0;
  if (argc < 1 || napi_get_array_length(env, settings, &count) != napi_ok)
    return throw_type(env, "settings must be an array");
  instance_data *instance = NULL;
  CALL(env, napi_get_instance_data(env, (void **)&instance));

  tk_options *options = tk_options_new();
  if (options == NULL) return throw_status(env, TK_ERR_INVALID_ARGUMENT, "TRACEKIT_* environment");
  for (uint32_t index = 0; index < count; index++) {
    napi_value setting;
    if (!get_element(env, settings, index, &setting) || !apply_setting(env, options, setting)) {
      tk_options_free(options);
      return NULL;
    }
  }
  client_wrapper *wrapper = calloc(1, sizeof *wrapper);
  if (wrapper == NULL) {
    tk_options_free(options);
    return throw_plain(env, TK_ERR_NO_MEMORY, "client: out of memory");
  }
  wrapper->client = tk_client_new(options);
  tk_options_free(options);
  if (wrapper->client == NULL) {
    free(wrapper);
    return throw_status(env, TK_ERR_INVALID_ARGUMENT, "client");
  }
  pthread_mutex_init(&wrapper->lock, NULL);
  pthread_cond_init(&wrapper->changed, NULL);
  wrapper->next = instance->wrappers;
  instance->wrappers = wrapper;
  return tagged_external(env, wrapper, &CLIENT_TAG);
}

/* ------------------------------------------------------------------------
 * Sites
 * --------------------------------------------------------------------- */

/* siteGet(client, label, file, line, functionName) → [site, Int32Array]:
   the interned site and a view of its active flag. */
static napi_value site_get(napi_env env, napi_callback_info info) {
  napi_value args[5];
  client_wrapper *wrapper = client_call(env, info, 5, args, "siteGet(client, label, file, line, functionName)");
  if (wrapper == NULL) return NULL;
  int32_t line = 0;
  napi_get_value_int32(env, args[3], &line);
  char *label = utf8_copy(env, args[1], "label", NULL);
  char *file = label ? utf8_copy(env, args[2], "file", NULL) : NULL;
  char *function = file ? utf8_copy(env, args[4], "functionName", NULL) : NULL;
  tk_site *site = NULL;
  bool converted = function != NULL, open = converted && wrapper_enter(wrapper);
  if (open) {
    site = tk_site_get(wrapper->client, label, file, line < 0 ? 0 : line, function);
    wrapper_leave(wrapper);
  }
  free(label), free(file), free(function);
  if (!converted) return NULL;
  if (!open) return throw_plain(env, TK_ERR_SHUT_DOWN, "siteGet: the client has been shut down");
  if (site == NULL) return throw_status(env, TK_ERR_INVALID_ARGUMENT, "siteGet");

  /* The site's active flag lives as long as the client: lib/client.js
     stops reading these views before it frees the client. */
  napi_value buffer, cell, handle, pair;
  CALL(env, napi_create_external_arraybuffer(env, (void *)tk_site_active_cell(site), sizeof(int32_t), NULL, NULL,
                                             &buffer));
  CALL(env, napi_create_typedarray(env, napi_int32_array, 1, buffer, 0, &cell));
  if ((handle = tagged_external(env, site, &SITE_TAG)) == NULL) return NULL;
  CALL(env, napi_create_array_with_length(env, 2, &pair));
  CALL(env, napi_set_element(env, pair, 0, handle));
  CALL(env, napi_set_element(env, pair, 1, cell));
  return pair;
}

/* The (client, site, ...) arguments of siteCapture and siteRegister: the
   client's wrapper, and the site in *site; NULL with a TypeError pending. */
static client_wrapper *client_and_site(napi_env env, napi_callback_info info, size_t count, napi_value *args,
                                       const char *usage, void **site) {
  client_wrapper *wrapper = client_call(env, info, count, args, usage);
  if (wrapper == NULL) return NULL;
  if ((*site = tagged_pointer(env, args[1], &SITE_TAG)) == NULL) {
    char message[160];
    snprintf(message, sizeof message, "%.*s: not a site handle", (int)strcspn(usage, "("), usage);
    throw_type(env, message);
    return NULL;
  }
  return wrapper;
}

static napi_value status_value(napi_env env, tk_status status) {
  napi_value result;
  CALL(env, napi_create_int32(env, (int32_t)status, &result));
  return result;
}

/* siteCapture(client, site, variablesJson, contextJson|null) → tk_status.
   Never throws for a library failure: lib/ decides what to report. */
static napi_value site_capture(napi_env env, napi_callback_info info) {
  napi_value args[4];
  void *site = NULL;
  client_wrapper *wrapper =
      client_and_site(env, info, 4, args, "siteCapture(client, site, variablesJson, contextJson)", &site);
  if (wrapper == NULL) return NULL;
  size_t length = 0;
  char *variables = utf8_copy(env, args[2], "variables JSON", &length);
  if (variables == NULL) return NULL;
  char *context = NULL;
  if (!is_nullish(env, args[3]) && (context = utf8_copy(env, args[3], "context JSON", NULL)) == NULL) {
    free(variables);
    return NULL;
  }
  tk_status status = TK_ERR_SHUT_DOWN;
  if (wrapper_enter(wrapper)) {
    status = tk_site_capture(site, variables, length, context);
    wrapper_leave(wrapper);
  }
  free(variables);
  free(context);
  return status_value(env, status);
}

/* siteRegister(client, site) → tk_status: the site's auto-registration,
   never a capture. Never throws for a library failure. */
static napi_value site_register(napi_env env, napi_callback_info info) {
  napi_value args[2];
  void *site = NULL;
  client_wrapper *wrapper = client_and_site(env, info, 2, args, "siteRegister(client, site)", &site);
  if (wrapper == NULL) return NULL;
  tk_status status = TK_ERR_SHUT_DOWN;
  if (wrapper_enter(wrapper)) {
    status = tk_site_register(site);
    wrapper_leave(wrapper);
  }
  return status_value(env, status);
}

static napi_value client_stats(napi_env env, napi_callback_info info) {
  napi_value arg;
  client_wrapper *wrapper = client_call(env, info, 1, &arg, "stats(client)");
  if (wrapper == NULL) return NULL;
  if (!wrapper_enter(wrapper)) return throw_plain(env, TK_ERR_SHUT_DOWN, "stats: the client has been shut down");
  char *json = tk_client_stats(wrapper->client);
  wrapper_leave(wrapper);
  if (json == NULL) return throw_status(env, TK_ERR_INTERNAL, "stats");
  napi_value result;
  napi_status created = napi_create_string_utf8(env, json, NAPI_AUTO_LENGTH, &result);
  tk_free(json);
  CALL(env, created);
  return result;
}

/* flush() and shutdown() run on the thread pool and settle a promise. */
typedef struct {
  client_wrapper *wrapper;
  int64_t timeout_ms;
  bool shutdown;
  tk_status status;
  napi_deferred deferred;
  napi_async_work work;
} pool_call;

static void pool_execute(napi_env env, void *data) {
  (void)env;
  pool_call *call = data;
  if (call->shutdown) {
    wrapper_close(call->wrapper);
    call->status = TK_OK;
  } else if (wrapper_enter(call->wrapper)) {
    call->status = tk_client_flush(call->wrapper->client, call->timeout_ms);
    wrapper_leave(call->wrapper);
  } else {
    call->status = TK_ERR_SHUT_DOWN;
  }
}

static void pool_complete(napi_env env, napi_status status, void *data) {
  pool_call *call = data;
  napi_value result;
  napi_create_int32(env, status == napi_ok ? (int32_t)call->status : (int32_t)TK_ERR_INTERNAL, &result);
  napi_resolve_deferred(env, call->deferred, result);
  napi_delete_async_work(env, call->work);
  free(call);
}

static napi_value start_pool_call(napi_env env, client_wrapper *wrapper, int64_t timeout_ms, bool shutdown) {
  pool_call *call = calloc(1, sizeof *call);
  if (call == NULL) return throw_plain(env, TK_ERR_NO_MEMORY, "out of memory");
  call->wrapper = wrapper;
  call->timeout_ms = timeout_ms;
  call->shutdown = shutdown;
  napi_value promise, name;
  if (napi_create_promise(env, &call->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, shutdown ? "tracekit.shutdown" : "tracekit.flush", NAPI_AUTO_LENGTH,
                              &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, pool_execute, pool_complete, call, &call->work) != napi_ok ||
      napi_queue_async_work(env, call->work) != napi_ok) {
    free(call); /* a created deferred is left unsettled: the promise was never returned */
    return throw_plain(env, TK_ERR_INTERNAL, "could not start work on the thread pool");
  }
  return promise;
}

/* flush(client, timeoutMs) → Promise<tk_status> */
static napi_value client_flush(napi_env env, napi_callback_info info) {
  napi_value args[2];
  client_wrapper *wrapper = client_call(env, info, 2, args, "flush(client, timeoutMs)");
  if (wrapper == NULL) return NULL;
  int64_t timeout_ms = 0;
  napi_get_value_int64(env, args[1], &timeout_ms);
  return start_pool_call(env, wrapper, timeout_ms < 0 ? 0 : timeout_ms, false);
}

/* shutdown(client) → Promise<TK_OK> once the library client is freed. */
static napi_value client_shutdown(napi_env env, napi_callback_info info) {
  napi_value arg;
  client_wrapper *wrapper = client_call(env, info, 1, &arg, "shutdown(client)");
  if (wrapper == NULL) return NULL;
  return start_pool_call(env, wrapper, 0, true);
}

/* closeSync(client): frees the client on the calling thread. Only for the
   process's 'exit' event, when there is no event loop left to keep going;
   bounded by capture_timeout + 1 s. */
static napi_value client_close_sync(napi_env env, napi_callback_info info) {
  napi_value arg;
  client_wrapper *wrapper = client_call(env, info, 1, &arg, "closeSync(client)");
  if (wrapper == NULL) return NULL;
  wrapper_close(wrapper);
  return NULL;
}

/* ------------------------------------------------------------------------
 * Module
 * --------------------------------------------------------------------- */

static napi_value library_version(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  CALL(env, napi_create_string_utf8(env, tk_version(), NAPI_AUTO_LENGTH, &result));
  return result;
}

static napi_value last_error(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  CALL(env, napi_create_string_utf8(env, tk_last_error(), NAPI_AUTO_LENGTH, &result));
  return result;
}

NAPI_MODULE_INIT() {
  instance_data *instance = calloc(1, sizeof *instance);
  if (instance == NULL || napi_set_instance_data(env, instance, instance_finalize, NULL) != napi_ok) {
    free(instance);
    napi_throw_error(env, "TK_ERR_NO_MEMORY", "tracekit: could not set up the addon");
    return NULL;
  }
  napi_property_descriptor functions[] = {
      {"libraryVersion", NULL, library_version, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lastError", NULL, last_error, NULL, NULL, NULL, napi_enumerable, NULL},
      {"createClient", NULL, create_client, NULL, NULL, NULL, napi_enumerable, NULL},
      {"siteGet", NULL, site_get, NULL, NULL, NULL, napi_enumerable, NULL},
      {"siteCapture", NULL, site_capture, NULL, NULL, NULL, napi_enumerable, NULL},
      {"siteRegister", NULL, site_register, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stats", NULL, client_stats, NULL, NULL, NULL, napi_enumerable, NULL},
      {"flush", NULL, client_flush, NULL, NULL, NULL, napi_enumerable, NULL},
      {"shutdown", NULL, client_shutdown, NULL, NULL, NULL, napi_enumerable, NULL},
      {"closeSync", NULL, client_close_sync, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CALL(env, napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions));
  return exports;
}
