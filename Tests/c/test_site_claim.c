/* tracekit.h tk_site_claim: every suppression is decided before the caller
   builds its variables, counted once in stats, and the slot it claims is
   the one the following tk_site_capture uses (nothing checked or counted
   twice). Needs the fake backend (fake_backend.h). */
#include <pthread.h>
#include <tracekit.h>

#include "check.h"
#include "fake_backend.h"

#define FILE_PATH "claim.c"
#define FUNCTION "claim_test"

/* One breakpoint per label: "<label>" at FUNCTION, with extra JSON fields. */
#define BREAKPOINT(id, label, extra)                                                             \
  "{\"id\":\"" id "\",\"service_name\":\"svc\",\"file_path\":\"" FILE_PATH "\",\"line_number\":1," \
  "\"function_name\":\"" FUNCTION "\",\"label\":\"" label "\",\"enabled\":true" extra "}"

/* The site for label, once its breakpoint is live in the client. */
static tk_site *active_site(tk_client *client, const char *label) {
  tk_site *site = tk_site_get(client, label, FILE_PATH, 1, FUNCTION);
  CHECK(site != NULL);
  if (!site) return NULL;
  for (double end = now_ms() + 5000; !tk_site_active(site) && now_ms() < end;) sleep_ms(10);
  CHECK(tk_site_active(site));
  return site;
}

static long stat_of(tk_client *client, const char *key) {
  char *stats = tk_client_stats(client);
  long value = stat_value(stats, key);
  tk_free(stats);
  return value;
}

static void test_nothing_to_claim(void) {
  CHECK(tk_site_claim(NULL) == 0);
  tk_client *client = new_backend_client(0);
  if (!client) return;
  tk_site *unknown = tk_site_get(client, "no-breakpoint", FILE_PATH, 9, FUNCTION);
  CHECK(unknown != NULL && tk_site_claim(unknown) == 0);
  tk_site *site = active_site(client, "max-two");
  CHECK(tk_client_shutdown(client) == TK_OK);
  CHECK(tk_site_claim(site) == 0); /* shut down */
  CHECK(stat_of(client, "captured") == 0);
  tk_client_free(client);
}

/* max_captures 2: two claims succeed, each followed by its capture; the
   next ones are suppressed and counted, each once, until the breakpoint
   changes on the server (max_captures raised). */
static void test_max_captures_is_decided_by_the_claim(void) {
  tk_client *client = new_backend_client(0);
  if (!client) return;
  tk_site *site = active_site(client, "max-two");
  for (int i = 0; i < 2; i++) {
    CHECK(tk_site_claim(site) != 0);
    CHECK(tk_site_capture(site, "{\"i\":1}", TK_NUL_TERMINATED, NULL) == TK_OK);
  }
  CHECK(tk_site_claim(site) == 0);
  CHECK(tk_site_claim(site) == 0);
  CHECK(stat_of(client, "captured") == 2);
  CHECK(stat_of(client, "suppressed_max_captures") == 2);
  char *reply = backend_request("POST", "/_control/breakpoint",
                                "{\"push\":false,\"breakpoint\":" BREAKPOINT("bp-max-two", "max-two", ",\"max_captures\":5") "}");
  CHECK_STR_CONTAINS(reply, "200 OK");
  free(reply);
  int claimed = 0;
  for (double end = now_ms() + 5000; !claimed && now_ms() < end; sleep_ms(10)) claimed = tk_site_claim(site);
  CHECK(claimed); /* the new breakpoint is decided afresh */
  tk_client_free(client);
}

/* A budget of one capture per second: the claim spends the only token and
   the capture that follows uses it rather than asking the budget again. */
static void test_the_capture_uses_the_claimed_slot(void) {
  tk_client *client = new_backend_client(1);
  if (!client) return;
  tk_site *site = active_site(client, "unlimited");
  CHECK(tk_site_claim(site) != 0);
  CHECK(tk_site_claim(site) == 0); /* the budget is spent */
  CHECK(stat_of(client, "suppressed_rate_limit") == 1);
  CHECK(tk_site_capture(site, "{\"i\":1}", TK_NUL_TERMINATED, NULL) == TK_OK);
  CHECK(stat_of(client, "captured") == 1);
  CHECK(stat_of(client, "suppressed_rate_limit") == 1);
  /* Without a claim, tk_site_capture decides as before: suppressed. */
  CHECK(tk_site_capture(site, "{\"i\":2}", TK_NUL_TERMINATED, NULL) == TK_OK);
  CHECK(stat_of(client, "captured") == 1);
  CHECK(stat_of(client, "suppressed_rate_limit") == 2);
  tk_client_free(client);
}

/* A condition needs the variables: the claim lets the caller build them and
   the capture decides the condition. */
static void test_a_condition_is_decided_by_the_capture(void) {
  tk_client *client = new_backend_client(0);
  if (!client) return;
  tk_site *site = active_site(client, "conditional");
  CHECK(tk_site_claim(site) != 0);
  CHECK(tk_site_capture(site, "{\"x\":1}", TK_NUL_TERMINATED, NULL) == TK_OK);
  CHECK(stat_of(client, "suppressed_condition") == 1);
  CHECK(tk_site_claim(site) != 0);
  CHECK(tk_site_capture(site, "{\"x\":10}", TK_NUL_TERMINATED, NULL) == TK_OK);
  CHECK(stat_of(client, "captured") == 1);
  tk_client_free(client);
}

/* Many threads claiming and capturing: max_captures holds exactly, and
   every call is either a capture or a counted suppression. */
struct claimer {
  tk_site *site;
  int claimed;
};

static void *claim_and_capture(void *argument) {
  struct claimer *me = argument;
  for (int i = 0; i < 500; i++) {
    if (!tk_site_claim(me->site)) continue;
    me->claimed++;
    tk_site_capture(me->site, "{\"i\":1}", TK_NUL_TERMINATED, NULL);
  }
  return NULL;
}

static void test_claims_from_many_threads(void) {
  tk_client *client = new_backend_client(0);
  if (!client) return;
  tk_site *site = active_site(client, "max-hundred");
  struct claimer claimers[4];
  pthread_t threads[4];
  for (int i = 0; i < 4; i++) {
    claimers[i] = (struct claimer){site, 0};
    CHECK(pthread_create(&threads[i], NULL, claim_and_capture, &claimers[i]) == 0);
  }
  int claimed = 0;
  for (int i = 0; i < 4; i++) {
    pthread_join(threads[i], NULL);
    claimed += claimers[i].claimed;
  }
  CHECK(claimed == 100);
  CHECK(stat_of(client, "captured") == 100);
  CHECK(stat_of(client, "suppressed_max_captures") == 4 * 500 - 100);
  tk_client_free(client);
}

/* Refusals counted from threads that come and go (more of them than the
   per-thread rows of the tally, so rows are reused): none is lost. */
static void *claim_refused(void *argument) {
  for (int i = 0; i < 50; i++) CHECK(tk_site_claim(argument) == 0);
  return NULL;
}

static void test_refusals_counted_across_thread_churn(void) {
  tk_client *client = new_backend_client(0);
  if (!client) return;
  tk_site *site = active_site(client, "max-one");
  CHECK(tk_site_claim(site) != 0);
  CHECK(tk_site_capture(site, "{\"i\":1}", TK_NUL_TERMINATED, NULL) == TK_OK);
  for (int batch = 0; batch < 15; batch++) { /* 150 threads, 10 at a time */
    pthread_t threads[10];
    for (int i = 0; i < 10; i++) CHECK(pthread_create(&threads[i], NULL, claim_refused, site) == 0);
    for (int i = 0; i < 10; i++) pthread_join(threads[i], NULL);
  }
  CHECK(stat_of(client, "captured") == 1);
  CHECK(stat_of(client, "suppressed_max_captures") == 150 * 50);
  tk_client_free(client);
}

int main(void) {
  if (!start_backend_for("c_site_claim")) return check_summary("c_site_claim");
  char *reply = backend_request(
      "POST", "/_control/breakpoints",
      "{\"breakpoints\":[" BREAKPOINT("bp-max-two", "max-two", ",\"max_captures\":2") ","
      BREAKPOINT("bp-unlimited", "unlimited", "") ","
      BREAKPOINT("bp-max-hundred", "max-hundred", ",\"max_captures\":100") ","
      BREAKPOINT("bp-max-one", "max-one", ",\"max_captures\":1") ","
      BREAKPOINT("bp-conditional", "conditional", ",\"condition\":\"x > 5\",\"condition_eval\":\"sdk-evaluable\"")
      "]}");
  CHECK_STR_CONTAINS(reply, "200 OK");
  free(reply);
  test_nothing_to_claim();
  test_max_captures_is_decided_by_the_claim();
  test_the_capture_uses_the_claimed_slot();
  test_a_condition_is_decided_by_the_capture();
  test_claims_from_many_threads();
  test_refusals_counted_across_thread_churn();
  stop_backend();
  return check_summary("c_site_claim");
}
