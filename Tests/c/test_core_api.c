/* The C ABI of issue 2 as a C user sees it: compiled against the installed
   tracekit.h and linked with `pkg-config --cflags --libs tracekit`. */
#include <pthread.h>
#include <stdlib.h>
#include <tracekit.h>

#include "check.h"

static void test_version_and_status_strings(void) {
  char expected[32];
  snprintf(expected, sizeof expected, "%d.%d.%d", TK_VERSION_MAJOR, TK_VERSION_MINOR, TK_VERSION_PATCH);
  CHECK(strcmp(tk_version(), expected) == 0);
  CHECK(strcmp(tk_status_str(TK_OK), "ok") == 0);
  CHECK(strcmp(tk_status_str(TK_ERR_INVALID_JSON), "invalid JSON") == 0);
  CHECK(strcmp(tk_status_str(TK_ERR_TIMEOUT), "timed out") == 0);
  /* Values are only ever appended: the ABI of these must never change. */
  CHECK(TK_ERR_SHUT_DOWN == 5 && TK_ERR_INTERNAL == 8 && TK_ERR_TIMEOUT == 9);
  CHECK(strcmp(tk_status_str((tk_status)12345), "unknown status") == 0);
  CHECK(strcmp(tk_status_str((tk_status)-1), "unknown status") == 0);
}

static void test_acceptance_example(void) {
  tk_options *options = tk_options_new();
  CHECK(options != NULL);
  tk_status status = TK_ERR_INTERNAL;
  const char *input =
      "{\"user\":{\"email\":\"jane@example.com\",\"card\":\"4111 1111 1111 1111\",\"order_id\":\"1700000000\"}}";
  char *out = tk_sanitize_json(options, input, TK_NUL_TERMINATED, &status);
  CHECK(status == TK_OK);
  CHECK(out && strcmp(out,
                      "{\"user\":{\"email\":\"[REDACTED:email]\",\"card\":\"[REDACTED:credit_card]\","
                      "\"order_id\":\"1700000000\"}}") == 0);
  tk_free(out);
  tk_options_free(options);
}

static void test_explicit_length_ignores_what_follows(void) {
  tk_options *options = tk_options_new();
  tk_status status;
  const char *input = "[1,2]garbage";
  char *out = tk_sanitize_json(options, input, 5, &status);
  CHECK(status == TK_OK && out && strcmp(out, "[1,2]") == 0);
  tk_free(out);
  /* Within the given length a NUL is data: a raw control character in a
     string is invalid JSON; escaped, it is kept escaped. */
  const char with_nul[] = {'"', 'a', '\0', 'b', '"'};
  CHECK(tk_sanitize_json(options, with_nul, sizeof with_nul, &status) == NULL);
  CHECK(status == TK_ERR_INVALID_JSON);
  CHECK_STR_CONTAINS(tk_last_error(), "offset 2");
  out = tk_sanitize_json(options, "\"a\\u0000b\"", TK_NUL_TERMINATED, &status);
  CHECK(status == TK_OK && out && strcmp(out, "\"a\\u0000b\"") == 0);
  tk_free(out);
  tk_options_free(options);
}

static void test_invalid_json_reports_the_offset(void) {
  tk_options *options = tk_options_new();
  tk_status status = TK_OK;
  char *out = tk_sanitize_json(options, "{\"a\": [1, 2,, 3]}", TK_NUL_TERMINATED, &status);
  CHECK(out == NULL);
  CHECK(status == TK_ERR_INVALID_JSON);
  CHECK_STR_CONTAINS(tk_last_error(), "offset 12");
  tk_options_free(options);
}

static void test_setters_validate_and_name_the_option(void) {
  tk_options *options = tk_options_new();
  CHECK(tk_options_set_capture_depth(options, -1) == TK_ERR_INVALID_ARGUMENT);
  CHECK_STR_CONTAINS(tk_last_error(), "capture_depth");
  CHECK(tk_options_set_max_payload(options, -1) == TK_ERR_INVALID_ARGUMENT);
  CHECK_STR_CONTAINS(tk_last_error(), "max_payload");
  CHECK(tk_options_set_poll_interval_ms(options, 5) == TK_ERR_INVALID_ARGUMENT);
  CHECK_STR_CONTAINS(tk_last_error(), "poll_interval_ms");
  CHECK(tk_options_set_circuit_breaker(options, 0, 1000, 1000) == TK_ERR_INVALID_ARGUMENT);
  CHECK_STR_CONTAINS(tk_last_error(), "circuit_breaker.max_failures");
  CHECK(tk_options_set_max_queue(options, 0) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_set_max_captures_per_second(options, -2.0) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_set_endpoint(options, "not a url") == TK_ERR_INVALID_ARGUMENT);
  CHECK_STR_CONTAINS(tk_last_error(), "endpoint");
  CHECK(tk_options_set_service_name(options, "") == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_set_api_key(options, "top-secret-value\n") == TK_ERR_INVALID_ARGUMENT);
  CHECK(strstr(tk_last_error(), "top-secret-value") == NULL);
  CHECK(tk_options_set_api_key(options, "tk_dev_123") == TK_OK);
  CHECK(tk_options_set_service_name(options, "checkout") == TK_OK);
  CHECK(tk_options_set_endpoint(options, "http://127.0.0.1:7070/v1/traces") == TK_OK);
  CHECK(tk_options_set_code_monitoring(options, 0) == TK_OK);
  CHECK(tk_options_set_capture_timeout_ms(options, 100) == TK_OK);
  CHECK(tk_options_set_sse(options, 0) == TK_OK);
  CHECK(tk_options_set_circuit_breaker(options, 5, 1000, 2000) == TK_OK);
  CHECK(tk_options_set_poll_interval_ms(options, 100) == TK_OK);
  CHECK(tk_options_set_max_queue(options, 10) == TK_OK);
  CHECK(tk_options_set_max_captures_per_second(options, 0) == TK_OK);
  tk_options_free(options);
}

static void test_limits_apply(void) {
  tk_options *options = tk_options_new();
  CHECK(tk_options_set_capture_depth(options, 1) == TK_OK);
  tk_status status;
  char *out = tk_sanitize_json(options, "{\"a\":{\"b\":1},\"l\":[1,2]}", TK_NUL_TERMINATED, &status);
  CHECK(out && strcmp(out, "{\"a\":{\"_truncated\":true,\"_depth\":1},\"l\":{\"_truncated\":true,\"_depth\":1,\"_length\":2}}") == 0);
  tk_free(out);
  CHECK(tk_options_set_max_payload(options, 10) == TK_OK);
  out = tk_sanitize_json(options, "{\"note\":\"a long enough value\"}", TK_NUL_TERMINATED, &status);
  CHECK(out && strcmp(out, "{\"_truncated\":true,\"_payload_size\":30,\"_max_payload\":10,\"_truncated_by\":\"payload_limit\"}") == 0);
  tk_free(out);
  CHECK(tk_options_set_max_payload(options, 0) == TK_OK);
  CHECK(tk_options_set_max_string_length(options, 3) == TK_OK);
  out = tk_sanitize_json(options, "[\"abcdef\"]", TK_NUL_TERMINATED, &status);
  CHECK(out && strcmp(out, "[\"abc[TRUNCATED:6 bytes]\"]") == 0);
  tk_free(out);
  tk_options_free(options);
}

static void test_custom_patterns_and_scrubbing_switch(void) {
  tk_options *options = tk_options_new();
  CHECK(tk_options_add_pii_pattern(options, "employee_id", "EMP-\\d{6}") == TK_OK);
  tk_status status;
  char *out = tk_sanitize_json(options, "{\"by\":\"EMP-123456\"}", TK_NUL_TERMINATED, &status);
  CHECK(out && strcmp(out, "{\"by\":\"[REDACTED:employee_id]\"}") == 0);
  tk_free(out);
  CHECK(tk_options_add_pii_pattern(options, "broken", "a(b") == TK_ERR_INVALID_PATTERN);
  CHECK_STR_CONTAINS(tk_last_error(), "missing closing parenthesis");
  CHECK_STR_CONTAINS(tk_last_error(), "offset 3");
  CHECK(tk_options_add_pii_pattern(options, "Bad Name", "x") == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_set_pii_scrubbing(options, 0) == TK_OK);
  out = tk_sanitize_json(options, "{\"password\":\"hunter2\"}", TK_NUL_TERMINATED, &status);
  CHECK(out && strcmp(out, "{\"password\":\"hunter2\"}") == 0);
  tk_free(out);
  tk_options_free(options);
}

static void test_environment_variables(void) {
  setenv("TRACEKIT_CAPTURE_DEPTH", "1", 1);
  tk_options *options = tk_options_new();
  tk_status status;
  char *out = tk_sanitize_json(options, "{\"a\":{\"b\":1}}", TK_NUL_TERMINATED, &status);
  CHECK(out && strcmp(out, "{\"a\":{\"_truncated\":true,\"_depth\":1}}") == 0);
  tk_free(out);
  tk_options_free(options);
  setenv("TRACEKIT_CAPTURE_DEPTH", "lots", 1);
  CHECK(tk_options_new() == NULL);
  CHECK_STR_CONTAINS(tk_last_error(), "TRACEKIT_CAPTURE_DEPTH");
  unsetenv("TRACEKIT_CAPTURE_DEPTH");
}

static void log_sink(int level, const char *message, void *userdata) {
  (void)level; (void)message; (void)userdata;
}

/* Every pointer argument of every function, NULL: an error, never a crash. */
static void test_null_arguments(void) {
  tk_options *options = tk_options_new();
  tk_status status = TK_OK;
  CHECK(tk_sanitize_json(NULL, "{}", 2, &status) == NULL && status == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_sanitize_json(options, NULL, 0, &status) == NULL && status == TK_ERR_INVALID_ARGUMENT);
  char *out = tk_sanitize_json(options, "{}", 2, NULL); /* status_out is optional */
  CHECK(out && strcmp(out, "{}") == 0);
  tk_free(out);
  CHECK(tk_options_set_api_key(NULL, "k") == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_set_api_key(options, NULL) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_set_service_name(NULL, "s") == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_set_service_name(options, NULL) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_set_endpoint(NULL, "http://x") == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_set_endpoint(options, NULL) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_set_code_monitoring(NULL, 1) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_set_capture_depth(NULL, 1) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_set_max_payload(NULL, 1) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_set_max_string_length(NULL, 1) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_set_capture_timeout_ms(NULL, 1) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_set_pii_scrubbing(NULL, 1) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_add_pii_pattern(NULL, "n", "x") == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_add_pii_pattern(options, NULL, "x") == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_add_pii_pattern(options, "n", NULL) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_set_circuit_breaker(NULL, 1, 1, 1) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_set_poll_interval_ms(NULL, 1000) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_set_sse(NULL, 1) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_set_max_queue(NULL, 1) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_set_max_captures_per_second(NULL, 1) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_set_logger(NULL, log_sink, NULL) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_options_set_logger(options, NULL, NULL) == TK_OK); /* NULL fn removes the logger */
  CHECK_STR_CONTAINS(tk_last_error(), "must not be NULL");
  tk_options_free(NULL);
  tk_free(NULL);
  tk_options_free(options);
}

/* tk_last_error is per thread: a failure on one thread does not change
   what another thread reads. */
static void *fail_on_other_thread(void *arg) {
  (void)arg;
  tk_options_set_capture_depth(NULL, 1);
  return strstr(tk_last_error(), "options must not be NULL") ? (void *)1 : NULL;
}

static void test_last_error_is_thread_local(void) {
  tk_options *options = tk_options_new();
  CHECK(tk_options_set_max_queue(options, -3) == TK_ERR_INVALID_ARGUMENT);
  pthread_t thread;
  void *result = NULL;
  CHECK(pthread_create(&thread, NULL, fail_on_other_thread, NULL) == 0);
  pthread_join(thread, &result);
  CHECK(result == (void *)1);
  CHECK_STR_CONTAINS(tk_last_error(), "max_queue");
  tk_options_free(options);
}

/* Many threads sanitizing with one options object at once. */
static void *sanitize_many(void *arg) {
  tk_options *options = arg;
  for (int i = 0; i < 2000; i++) {
    tk_status status;
    char *out = tk_sanitize_json(options, "{\"e\":\"a@b.io\",\"n\":[1,2,3]}", TK_NUL_TERMINATED, &status);
    int ok = out && strcmp(out, "{\"e\":\"[REDACTED:email]\",\"n\":[1,2,3]}") == 0;
    tk_free(out);
    if (!ok) return NULL;
  }
  return (void *)1;
}

static void test_concurrent_use(void) {
  tk_options *options = tk_options_new();
  pthread_t threads[8];
  for (int i = 0; i < 8; i++) CHECK(pthread_create(&threads[i], NULL, sanitize_many, options) == 0);
  for (int i = 0; i < 8; i++) {
    void *result = NULL;
    pthread_join(threads[i], &result);
    CHECK(result == (void *)1);
  }
  tk_options_free(options);
}

int main(void) {
  test_version_and_status_strings();
  test_acceptance_example();
  test_explicit_length_ignores_what_follows();
  test_invalid_json_reports_the_offset();
  test_setters_validate_and_name_the_option();
  test_limits_apply();
  test_custom_patterns_and_scrubbing_switch();
  test_environment_variables();
  test_null_arguments();
  test_last_error_is_thread_local();
  test_concurrent_use();
  return check_summary("c_core_api");
}
