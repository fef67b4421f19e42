/* tracekit.h "fork()": a client belongs to the process that created it. In a
   forked child every call on it returns quickly (captures TK_OK), nothing
   crashes and tk_client_free only releases memory; the parent is unaffected
   and keeps capturing. Three cases: an inert child while the parent keeps
   capturing; a new client made in the child; fork() while other threads are
   inside the library (holding its locks).

   Needs the fake backend (fake_backend.h). */
#include <arpa/inet.h>
#include <pthread.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <tracekit.h>
#include <unistd.h>

#include "check.h"
#include "fake_backend.h"

#define LABEL "checkout"
#define FILE_PATH "fork.c"
#define FUNCTION "fork_test"

/* ---- the test ---- */

/* Runs in the forked child: every call returns quickly and nothing crashes.
   Exits 0 when all its checks passed. */
static void child_uses_inherited_client(tk_client *client, tk_site *site) {
  alarm(10); /* a hang becomes a SIGALRM death the parent sees */
  double start = now_ms();
  for (int i = 0; i < 50; i++) {
    CHECK(tk_capture(client, LABEL, FILE_PATH, 1, FUNCTION, "{\"in\":\"child\"}", TK_NUL_TERMINATED, NULL) == TK_OK);
  }
  CHECK(tk_site_capture(site, "{\"in\":\"child\"}", TK_NUL_TERMINATED, NULL) == TK_OK);
  CHECK(tk_capture(client, "never-seen", "other.c", 9, "other", "{}", TK_NUL_TERMINATED, NULL) == TK_OK);
  (void)tk_site_active(site);
  tk_site *fresh = tk_site_get(client, "child-site", "child.c", 3, "child_fn");
  if (fresh) CHECK(tk_site_capture(fresh, "{}", TK_NUL_TERMINATED, NULL) == TK_OK);
  (void)tk_client_flush(client, 1000);
  tk_free(tk_client_stats(client));
  tk_client_free(client);
  double elapsed = now_ms() - start;
  CHECK(elapsed < 1000.0);
  if (elapsed >= 1000.0) fprintf(stderr, "child: calls on the inherited client took %.0f ms\n", elapsed);
  fflush(stderr);
  _exit(checks_failed == 0 ? 0 : 1);
}

/* Waits up to timeout_ms for pid; kills it if it is still running. */
static int wait_for_child(pid_t pid, int timeout_ms, int *status) {
  for (double end = now_ms() + timeout_ms; now_ms() < end; sleep_ms(10)) {
    if (waitpid(pid, status, WNOHANG) == pid) return 1;
  }
  kill(pid, SIGKILL);
  waitpid(pid, status, 0);
  return 0;
}

static void test_fork_child_is_inert_and_parent_keeps_capturing(void) {
  char *reply = backend_request(
      "POST", "/_control/breakpoints",
      "{\"breakpoints\":[{\"id\":\"bp-fork\",\"service_name\":\"svc\",\"file_path\":\"" FILE_PATH "\","
      "\"line_number\":1,\"function_name\":\"" FUNCTION "\",\"label\":\"" LABEL "\",\"enabled\":true}]}");
  CHECK_STR_CONTAINS(reply, "200 OK");
  free(reply);

  tk_client *client = new_backend_client(0);
  CHECK(client != NULL);
  if (!client) return;
  tk_site *site = tk_site_get(client, LABEL, FILE_PATH, 1, FUNCTION);
  CHECK(site != NULL);
  for (double end = now_ms() + 3000; !tk_site_active(site) && now_ms() < end;) sleep_ms(10);
  CHECK(tk_site_active(site));
  CHECK(*tk_site_active_cell(site) != 0); /* the flag tk_site_active loads */
  CHECK(tk_capture(client, LABEL, FILE_PATH, 1, FUNCTION, "{\"in\":\"parent\"}", TK_NUL_TERMINATED, NULL) == TK_OK);

  fflush(stdout);
  fflush(stderr);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) child_uses_inherited_client(client, site);

  int status = 0;
  CHECK(child > 0 && wait_for_child(child, 10000, &status));
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  if (!WIFEXITED(status)) fprintf(stderr, "child died by signal %d\n", WTERMSIG(status));

  for (int i = 0; i < 5; i++) {
    CHECK(tk_capture(client, LABEL, FILE_PATH, 1, FUNCTION, "{\"in\":\"parent\"}", TK_NUL_TERMINATED, NULL) ==
          TK_OK);
  }
  CHECK(tk_client_flush(client, 3000) == TK_OK);
  char *stats = tk_client_stats(client);
  CHECK(stat_value(stats, "captured") == 6);
  CHECK(stat_value(stats, "sent") == 6);
  if (stat_value(stats, "sent") != 6) fprintf(stderr, "parent stats: %s\n", stats ? stats : "(null)");
  tk_free(stats);

  /* The backend saw the parent's six snapshots and nothing from the child. */
  char *log = backend_request("GET", "/_control/log", NULL);
  CHECK(count_occurrences(log, "\"breakpoint_id\": \"bp-fork\"") == 6);
  /* Values the child sent would be quoted ("child", "child-site", ...);
     the parent's native stacks name test_fork_child_... unquoted. */
  CHECK(count_occurrences(log, "\"child") == 0);
  CHECK(count_occurrences(log, "never-seen") == 0);
  free(log);

  double start = now_ms();
  tk_client_free(client);
  CHECK(now_ms() - start < 2000.0);
}

/* "Create a new client in the child if it needs one": a client made after
   fork() has its own threads and delivers, though the parent's client (and
   its threads) were running at the fork. */
static void test_new_client_in_child_delivers(void) {
  tk_client *parent_client = new_backend_client(0);
  CHECK(parent_client != NULL);
  fflush(stdout);
  fflush(stderr);
  pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    alarm(10);
    tk_client *fresh = new_backend_client(0);
    CHECK(fresh != NULL);
    if (fresh) {
      tk_site *site = tk_site_get(fresh, LABEL, FILE_PATH, 1, FUNCTION);
      for (double end = now_ms() + 3000; !tk_site_active(site) && now_ms() < end;) sleep_ms(10);
      CHECK(tk_site_active(site));
      CHECK(tk_site_capture(site, "{\"from\":\"fresh-client-in-child\"}", TK_NUL_TERMINATED, NULL) == TK_OK);
      CHECK(tk_client_flush(fresh, 3000) == TK_OK);
      tk_client_free(fresh);
    }
    fflush(stderr);
    _exit(checks_failed == 0 ? 0 : 1);
  }
  int status = 0;
  CHECK(child > 0 && wait_for_child(child, 10000, &status));
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  char *log = backend_request("GET", "/_control/log", NULL);
  CHECK(count_occurrences(log, "fresh-client-in-child") >= 1);
  free(log);
  tk_client_free(parent_client);
}

/* fork() may happen while other threads are inside the library (holding
   its locks); the child's calls must still return. Three threads hammer the
   client while the main thread forks repeatedly; a child that hangs is
   killed by its alarm and counted. */
static volatile int hammering;

static void *hammer(void *argument) {
  tk_client *client = argument;
  char label[32];
  for (unsigned i = 0; __atomic_load_n(&hammering, __ATOMIC_RELAXED); i++) {
    snprintf(label, sizeof label, "hammer-%u", i % 512);
    tk_site *site = tk_site_get(client, label, FILE_PATH, (int32_t)(i % 7), FUNCTION);
    (void)tk_site_active(site);
    tk_capture(client, LABEL, FILE_PATH, 1, FUNCTION, "{\"in\":\"parent\"}", TK_NUL_TERMINATED, NULL);
    tk_free(tk_client_stats(client));
  }
  return NULL;
}

static void test_fork_while_threads_are_inside_the_library(void) {
  tk_client *client = new_backend_client(0);
  CHECK(client != NULL);
  if (!client) return;
  __atomic_store_n(&hammering, 1, __ATOMIC_RELAXED);
  pthread_t threads[3];
  for (int i = 0; i < 3; i++) CHECK(pthread_create(&threads[i], NULL, hammer, client) == 0);
  sleep_ms(50);
  int hung = 0, failed = 0;
  for (int round = 0; round < 30; round++) {
    fflush(stdout);
    fflush(stderr);
    pid_t child = fork();
    if (child == 0) {
      alarm(3);
      tk_site *site = tk_site_get(client, "after-fork", FILE_PATH, 5, FUNCTION);
      (void)tk_site_active(site);
      if (tk_capture(client, LABEL, FILE_PATH, 1, FUNCTION, "{}", TK_NUL_TERMINATED, NULL) != TK_OK) _exit(2);
      tk_free(tk_client_stats(client));
      (void)tk_client_flush(client, 100);
      tk_client_free(client);
      _exit(0);
    }
    int status = 0;
    if (child < 0 || !wait_for_child(child, 5000, &status)) {
      hung++;
      continue;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed++;
    sleep_ms(5);
  }
  __atomic_store_n(&hammering, 0, __ATOMIC_RELAXED);
  for (int i = 0; i < 3; i++) pthread_join(threads[i], NULL);
  CHECK(hung == 0);
  CHECK(failed == 0);
  if (hung || failed) fprintf(stderr, "fork under load: of 30 children %d hung, %d crashed or failed\n", hung, failed);
  tk_client_free(client);
}

int main(void) {
  if (!start_backend_for("c_client_fork")) return check_summary("c_client_fork");
  test_fork_child_is_inert_and_parent_keeps_capturing();
  test_new_client_in_child_delivers();
  test_fork_while_threads_are_inside_the_library();
  stop_backend();
  return check_summary("c_client_fork");
}
