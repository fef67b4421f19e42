/* The client half of the C ABI without a backend: argument checking (NULL for
   every pointer argument), the shutdown lifecycle (also racing other
   threads), tk_eval_expression. The endpoint is a closed loopback port, so
   nothing is ever sent. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <tracekit.h>

#include "check.h"

static tk_client *offline_client(void) {
  tk_options *options = tk_options_new();
  tk_options_set_api_key(options, "test-key");
  tk_options_set_endpoint(options, "http://127.0.0.1:9");
  tk_options_set_capture_timeout_ms(options, 200);
  tk_client *client = tk_client_new(options);
  tk_options_free(options);
  return client;
}

static void test_client_new_needs_options_and_a_key(void) {
  CHECK(tk_client_new(NULL) == NULL);
  CHECK_STR_CONTAINS(tk_last_error(), "options must not be NULL");
  tk_options *options = tk_options_new();
  CHECK(tk_client_new(options) == NULL);
  CHECK_STR_CONTAINS(tk_last_error(), "api_key");
  tk_options_free(options);
}

static void test_null_arguments(void) {
  tk_client *client = offline_client();
  CHECK(client != NULL);
  CHECK(tk_client_flush(NULL, 0) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_client_stats(NULL) == NULL);
  tk_client_free(NULL);
  CHECK(tk_capture(NULL, "l", "f.c", 1, "fn", "{}", TK_NUL_TERMINATED, NULL) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_capture(client, NULL, "f.c", 1, "fn", "{}", TK_NUL_TERMINATED, NULL) == TK_ERR_INVALID_ARGUMENT);
  CHECK_STR_CONTAINS(tk_last_error(), "label");
  CHECK(tk_capture(client, "", "f.c", 1, "fn", "{}", TK_NUL_TERMINATED, NULL) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_capture(client, "l", NULL, 1, NULL, "{}", TK_NUL_TERMINATED, NULL) == TK_OK); /* file, function optional */
  CHECK(tk_capture(client, "l", "f.c", 1, "fn", NULL, 0, NULL) == TK_ERR_INVALID_ARGUMENT);
  CHECK_STR_CONTAINS(tk_last_error(), "variables_json");
  CHECK(tk_capture(client, "l", "f.c", -1, "fn", "{}", TK_NUL_TERMINATED, NULL) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_site_get(NULL, "l", "f.c", 1, "fn") == NULL);
  CHECK(tk_site_get(client, NULL, "f.c", 1, "fn") == NULL);
  CHECK(tk_site_active(NULL) == 0);
  CHECK(tk_site_capture(NULL, "{}", TK_NUL_TERMINATED, NULL) == TK_ERR_INVALID_ARGUMENT);
  tk_site *site = tk_site_get(client, "l", "f.c", 1, "fn");
  CHECK(site != NULL);
  CHECK(tk_site_get(client, "l", "f.c", 1, "fn") == site); /* interned */
  CHECK(tk_site_active(site) == 0);                          /* no breakpoint */
  CHECK(tk_site_active_cell(NULL) == NULL);
  CHECK(tk_site_active_cell(site) != NULL && *tk_site_active_cell(site) == 0);
  CHECK(tk_site_capture(site, NULL, 0, NULL) == TK_ERR_INVALID_ARGUMENT);
  /* Inactive: JSON is not parsed, so invalid JSON is not an error here. */
  CHECK(tk_site_capture(site, "not json", TK_NUL_TERMINATED, NULL) == TK_OK);
  char *stats = tk_client_stats(client);
  CHECK_STR_CONTAINS(stats, "\"sites\":2");
  CHECK_STR_CONTAINS(stats, "\"circuit_state\":\"closed\"");
  tk_free(stats);
  tk_client_free(client);
}

static void test_calls_after_shutdown_are_safe(void) {
  tk_client *client = offline_client();
  tk_site *site = tk_site_get(client, "l", "f.c", 1, "fn");
  CHECK(tk_client_shutdown(NULL) == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_client_shutdown(client) == TK_OK); /* nothing was queued */
  CHECK(tk_client_shutdown(client) == TK_OK); /* idempotent */
  CHECK(tk_capture(client, "l", "f.c", 1, "fn", "{}", TK_NUL_TERMINATED, NULL) == TK_ERR_SHUT_DOWN);
  CHECK_STR_CONTAINS(tk_last_error(), "shut down");
  CHECK(tk_site_capture(site, "{}", TK_NUL_TERMINATED, NULL) == TK_ERR_SHUT_DOWN);
  CHECK(tk_site_active(site) == 0);
  CHECK(tk_site_get(client, "other", "f.c", 2, "fn") == NULL);
  CHECK(tk_client_flush(client, 10) == TK_ERR_SHUT_DOWN);
  char *stats = tk_client_stats(client); /* the final counters */
  CHECK_STR_CONTAINS(stats, "\"sites\":1");
  tk_free(stats);
  tk_client_free(client);
}

enum { CAPTURING_THREADS = 8, SHUTTING_THREADS = 2 };

struct capturer {
  tk_client *client;
  tk_site *site;
  int unexpected; /* a status other than TK_OK / TK_ERR_SHUT_DOWN */
  int saw_shut_down;
};

static void *capture_until_shut_down(void *argument) {
  struct capturer *me = argument;
  for (long i = 0; i < 50000000L && !me->saw_shut_down; i++) {
    tk_status by_label = tk_capture(me->client, "l", "f.c", 1, "fn", "{\"i\":1}", TK_NUL_TERMINATED, NULL);
    tk_status by_site = tk_site_capture(me->site, "{}", TK_NUL_TERMINATED, NULL);
    (void)tk_site_active(me->site);
    tk_free(tk_client_stats(me->client));
    for (int k = 0; k < 2; k++) {
      tk_status status = k == 0 ? by_label : by_site;
      if (status == TK_ERR_SHUT_DOWN) me->saw_shut_down = 1;
      else if (status != TK_OK) me->unexpected++;
    }
  }
  return NULL;
}

static void *shut_down(void *client) {
  return (void *)(intptr_t)tk_client_shutdown(client);
}

/* Threads keep calling into the client while two others shut it down: no
   crash, every call returns TK_OK or TK_ERR_SHUT_DOWN, each thread ends up
   seeing TK_ERR_SHUT_DOWN, both shutdowns return TK_OK. */
static void test_threads_capturing_while_another_shuts_down(void) {
  tk_client *client = offline_client();
  struct capturer capturers[CAPTURING_THREADS];
  pthread_t threads[CAPTURING_THREADS], stoppers[SHUTTING_THREADS];
  for (int i = 0; i < CAPTURING_THREADS; i++) {
    capturers[i] = (struct capturer){client, tk_site_get(client, "s", "f.c", 2, "fn"), 0, 0};
    CHECK(pthread_create(&threads[i], NULL, capture_until_shut_down, &capturers[i]) == 0);
  }
  struct timespec pause = {0, 20 * 1000000L};
  nanosleep(&pause, NULL); /* every thread is inside its loop */
  for (int i = 0; i < SHUTTING_THREADS; i++) CHECK(pthread_create(&stoppers[i], NULL, shut_down, client) == 0);
  for (int i = 0; i < SHUTTING_THREADS; i++) {
    void *status = NULL;
    pthread_join(stoppers[i], &status);
    CHECK((tk_status)(intptr_t)status == TK_OK);
  }
  for (int i = 0; i < CAPTURING_THREADS; i++) {
    pthread_join(threads[i], NULL);
    CHECK(capturers[i].unexpected == 0);
    CHECK(capturers[i].saw_shut_down);
  }
  tk_client_free(client);
}

static void test_eval_expression(void) {
  tk_status status = TK_ERR_INTERNAL;
  char *value = tk_eval_expression("status == 200 && user.role == \"admin\"",
                                   "{\"status\":200,\"user\":{\"role\":\"admin\"}}", TK_NUL_TERMINATED, &status);
  CHECK(status == TK_OK && value && strcmp(value, "true") == 0);
  tk_free(value);
  value = tk_eval_expression("status + 100", "{\"status\":200}", TK_NUL_TERMINATED, &status);
  CHECK(value && strcmp(value, "300") == 0);
  tk_free(value);
  CHECK(tk_eval_expression("status ==", "{}", TK_NUL_TERMINATED, &status) == NULL);
  CHECK(status == TK_ERR_INVALID_ARGUMENT);
  CHECK_STR_CONTAINS(tk_last_error(), "offset");
  CHECK(tk_eval_expression("len(x) > 1", "{\"x\":[1,2]}", TK_NUL_TERMINATED, &status) == NULL); /* server-only */
  CHECK(tk_eval_expression("a == 1", "{\"a\":", TK_NUL_TERMINATED, &status) == NULL);
  CHECK(status == TK_ERR_INVALID_JSON);
  CHECK(tk_eval_expression(NULL, "{}", 2, &status) == NULL && status == TK_ERR_INVALID_ARGUMENT);
  CHECK(tk_eval_expression("1", NULL, 0, &status) == NULL && status == TK_ERR_INVALID_ARGUMENT);
}

int main(void) {
  test_client_new_needs_options_and_a_key();
  test_null_arguments();
  test_calls_after_shutdown_are_safe();
  test_threads_capturing_while_another_shuts_down();
  test_eval_expression();
  return check_summary("c_client_api");
}
