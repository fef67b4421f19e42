/* Compile test: tracekit.h under strict C99 (-std=c99 -Wall -Wextra
   -Werror -pedantic). Every declaration is referenced so that a signature
   the compiler dislikes cannot hide. Not linked. */
#include <tracekit.h>

typedef void (*any_fn)(void);

int tracekit_header_is_c99(void);

int tracekit_header_is_c99(void) {
  tk_status status = TK_OK;
  tk_log_fn logger = 0;
  tk_options *options = 0;
  tk_client *client = 0;
  tk_site *site = 0;
  size_t nul = TK_NUL_TERMINATED;
  any_fn fns[] = {
      (any_fn)tk_version, (any_fn)tk_status_str, (any_fn)tk_last_error, (any_fn)tk_free,
      (any_fn)tk_options_new, (any_fn)tk_options_free, (any_fn)tk_options_set_api_key,
      (any_fn)tk_options_set_service_name, (any_fn)tk_options_set_endpoint,
      (any_fn)tk_options_set_code_monitoring, (any_fn)tk_options_set_capture_depth,
      (any_fn)tk_options_set_max_payload, (any_fn)tk_options_set_max_string_length,
      (any_fn)tk_options_set_capture_timeout_ms, (any_fn)tk_options_set_pii_scrubbing,
      (any_fn)tk_options_add_pii_pattern, (any_fn)tk_options_set_circuit_breaker,
      (any_fn)tk_options_set_poll_interval_ms, (any_fn)tk_options_set_sse, (any_fn)tk_options_set_max_queue,
      (any_fn)tk_options_set_max_captures_per_second, (any_fn)tk_options_set_logger, (any_fn)tk_sanitize_json,
      (any_fn)tk_eval_expression, (any_fn)tk_client_new, (any_fn)tk_client_flush, (any_fn)tk_client_stats,
      (any_fn)tk_client_shutdown, (any_fn)tk_client_free, (any_fn)tk_capture, (any_fn)tk_site_get, (any_fn)tk_site_active,
      (any_fn)tk_site_capture,
  };
  (void)logger;
  (void)options;
  (void)client;
  (void)site;
  (void)nul;
  return (int)status + (int)(sizeof fns / sizeof fns[0]) + TK_VERSION_MAJOR + TK_LOG_ERROR;
}
