/* tracekit.h tk_site_register: a site's auto-registration without a
   capture. It never records a snapshot, even when a breakpoint matches the
   site (the race it replaces: a binding saw the site inactive, a breakpoint
   arrived, and its placeholder "{}" capture was recorded under it); an
   unknown site reaches the backend's auto-register route once. Needs the
   fake backend (fake_backend.h). */
#include <sys/wait.h>
#include <tracekit.h>
#include <unistd.h>

#include "check.h"
#include "fake_backend.h"

#define FILE_PATH "register.c"
#define FUNCTION "register_test"

static long stat_of(tk_client *client, const char *key) {
  char *stats = tk_client_stats(client);
  long value = stat_value(stats, key);
  tk_free(stats);
  return value;
}

/* How many auto-registrations of label the backend has received. */
static int registrations_of(const char *label) {
  char needle[128];
  snprintf(needle, sizeof needle, "\"label\": \"%s\"", label);
  char *log = backend_request("GET", "/_control/log", NULL);
  char *registrations = log ? strstr(log, "\"registrations\"") : NULL;
  /* The log lists captures first: count only from the registrations on. */
  int count = registrations ? count_occurrences(registrations, needle) : 0;
  free(log);
  return count;
}

static void test_an_active_site_is_not_captured(void) {
  tk_client *client = new_backend_client(0);
  if (!client) return;
  tk_site *site = tk_site_get(client, "known", FILE_PATH, 1, FUNCTION);
  CHECK(site != NULL);
  for (double end = now_ms() + 5000; !tk_site_active(site) && now_ms() < end;) sleep_ms(10);
  CHECK(tk_site_active(site));
  for (int i = 0; i < 3; i++) CHECK(tk_site_register(site) == TK_OK);
  CHECK(tk_client_flush(client, 2000) == TK_OK);
  CHECK(stat_of(client, "captured") == 0);
  CHECK(stat_of(client, "sent") == 0);
  tk_client_free(client);
}

static void test_an_unknown_site_is_registered_once(void) {
  tk_client *client = new_backend_client(0);
  if (!client) return;
  tk_site *site = tk_site_get(client, "unknown", FILE_PATH, 7, FUNCTION);
  CHECK(site != NULL && !tk_site_active(site));
  for (int i = 0; i < 5; i++) CHECK(tk_site_register(site) == TK_OK);
  int seen = 0;
  for (double end = now_ms() + 5000; seen == 0 && now_ms() < end; sleep_ms(20)) seen = registrations_of("unknown");
  CHECK(seen == 1);
  sleep_ms(300); /* a second registration would have had time to arrive */
  CHECK(registrations_of("unknown") == 1);
  CHECK(stat_of(client, "captured") == 0);
  tk_client_free(client);
}

static void test_bad_handles_and_shutdown(void) {
  CHECK(tk_site_register(NULL) == TK_ERR_INVALID_ARGUMENT);
  CHECK_STR_CONTAINS(tk_last_error(), "site must not be NULL");
  tk_client *client = new_backend_client(0);
  if (!client) return;
  tk_site *site = tk_site_get(client, "after-shutdown", FILE_PATH, 9, FUNCTION);
  CHECK(tk_client_shutdown(client) == TK_OK);
  CHECK(tk_site_register(site) == TK_ERR_SHUT_DOWN);
  CHECK_STR_CONTAINS(tk_last_error(), "shut down");
  tk_client_free(client);
  CHECK(registrations_of("after-shutdown") == 0);
}

/* In a forked child the parent's client is inert: TK_OK, nothing sent. */
static void test_a_forked_child_does_nothing(void) {
  tk_client *client = new_backend_client(0);
  if (!client) return;
  tk_site *site = tk_site_get(client, "from-child", FILE_PATH, 11, FUNCTION);
  CHECK(site != NULL);
  fflush(stdout);
  fflush(stderr);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    alarm(10);
    _exit(tk_site_register(site) == TK_OK ? 0 : 1);
  }
  int status = 0;
  CHECK(child > 0 && waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  sleep_ms(300); /* a registration would have had time to arrive */
  CHECK(registrations_of("from-child") == 0);
  tk_client_free(client);
}

int main(void) {
  if (!start_backend_for("c_site_register")) return check_summary("c_site_register");
  char *reply = backend_request(
      "POST", "/_control/breakpoints",
      "{\"breakpoints\":[{\"id\":\"bp-known\",\"service_name\":\"svc\",\"file_path\":\"" FILE_PATH "\","
      "\"line_number\":1,\"function_name\":\"" FUNCTION "\",\"label\":\"known\",\"enabled\":true}]}");
  CHECK_STR_CONTAINS(reply, "200 OK");
  free(reply);
  test_an_active_site_is_not_captured();
  test_an_unknown_site_is_registered_once();
  test_bad_handles_and_shutdown();
  test_a_forked_child_does_nothing();
  stop_backend();
  return check_summary("c_site_register");
}
