/* The fork gate (tracekit.h "fork()"): a pre-fork server forks right after
   making its client, while that client's threads start up (the moment they
   run the Swift runtime's and libcurl's one-time steps). fork() waits until
   no library thread is inside a step of work, so every child's NEW client
   syncs and sends; none is left waiting on a step the fork cut in half.

   200 rounds: a new client, fork() at once (or after a short random
   delay), while three threads capture through a long-lived client and its
   sender and an SSE stream are busy. Children run a few at a time; each
   makes its own client and must see the breakpoint and deliver a capture
   within a bound. Needs the fake backend (fake_backend.h). */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <tracekit.h>
#include <unistd.h>

#include "check.h"
#include "fake_backend.h"

#define LABEL "gate"
#define FILE_PATH "gate.c"
#define FUNCTION "fork_gate_test"
#define ROUNDS 200
#define CHILDREN_AT_ONCE 6
#define CHILD_BOUND_MS 8000

static volatile int capturing;

static void *capture_loop(void *argument) {
  tk_client *client = argument;
  tk_site *site = tk_site_get(client, LABEL, FILE_PATH, 1, FUNCTION);
  while (__atomic_load_n(&capturing, __ATOMIC_RELAXED)) {
    (void)tk_site_capture(site, "{\"in\":\"parent\"}", TK_NUL_TERMINATED, NULL);
    sleep_ms(20);
  }
  return NULL;
}

/* The child: a client of its own must sync (the breakpoint turns active)
   and send its capture. Exit status 0 when it did; an alarm kills a child
   whose client hangs (what a fork without the gate could leave). */
static void child_syncs_and_sends(void) {
  alarm(CHILD_BOUND_MS / 1000 + 2);
  tk_client *client = new_backend_client(0);
  if (!client) _exit(3);
  tk_site *site = tk_site_get(client, LABEL, FILE_PATH, 1, FUNCTION);
  for (double end = now_ms() + CHILD_BOUND_MS / 2; !tk_site_active(site) && now_ms() < end;) sleep_ms(5);
  if (!tk_site_active(site)) _exit(4);
  if (tk_site_capture(site, "{\"from\":\"gated-child\"}", TK_NUL_TERMINATED, NULL) != TK_OK) _exit(5);
  if (tk_client_flush(client, CHILD_BOUND_MS / 2) != TK_OK) _exit(6);
  char *stats = tk_client_stats(client);
  int sent = stat_value(stats, "sent") == 1;
  tk_free(stats);
  tk_client_free(client);
  _exit(sent ? 0 : 7);
}

typedef struct {
  int ok, hung, failed;
  int by_status[8];
} outcomes;

static void record(outcomes *seen, pid_t child, double started_ms) {
  int status = 0;
  while (waitpid(child, &status, WNOHANG) == 0) {
    if (now_ms() - started_ms > CHILD_BOUND_MS + 3000) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
      seen->hung++;
      return;
    }
    sleep_ms(2);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    seen->ok++;
  } else {
    seen->failed++;
    if (WIFEXITED(status) && WEXITSTATUS(status) < 8) seen->by_status[WEXITSTATUS(status)]++;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) seen->hung++, seen->failed--;
  }
}

static void test_every_child_of_a_fresh_client_syncs_and_sends(void) {
  char *reply = backend_request("POST", "/_control/sse", "{\"enabled\": true}");
  CHECK_STR_CONTAINS(reply, "200 OK");
  free(reply);
  reply = backend_request(
      "POST", "/_control/breakpoints",
      "{\"breakpoints\":[{\"id\":\"bp-gate\",\"service_name\":\"svc\",\"file_path\":\"" FILE_PATH "\","
      "\"line_number\":1,\"function_name\":\"" FUNCTION "\",\"label\":\"" LABEL "\",\"enabled\":true}]}");
  CHECK_STR_CONTAINS(reply, "200 OK");
  free(reply);

  tk_client *busy = new_backend_client(0);
  CHECK(busy != NULL);
  if (!busy) return;
  __atomic_store_n(&capturing, 1, __ATOMIC_RELAXED);
  pthread_t threads[3];
  for (int i = 0; i < 3; i++) CHECK(pthread_create(&threads[i], NULL, capture_loop, busy) == 0);
  /* The gate covers the library's threads, not the caller's: let the
     capturing threads' first calls (their one-time steps) finish first, as
     a pre-fork master's do before it forks. */
  sleep_ms(200);

  /* The library says on stderr when a fork went ahead without the gate. */
  fflush(stderr);
  FILE *library_stderr = tmpfile();
  int saved_stderr = dup(STDERR_FILENO);
  CHECK(library_stderr != NULL && saved_stderr >= 0);
  if (library_stderr) dup2(fileno(library_stderr), STDERR_FILENO);

  outcomes seen = {0};
  pid_t children[CHILDREN_AT_ONCE];
  double started[CHILDREN_AT_ONCE];
  int running = 0;
  double worst_fork_ms = 0;
  srand(42);
  for (int round = 0; round < ROUNDS; round++) {
    if (running == CHILDREN_AT_ONCE) {
      record(&seen, children[0], started[0]);
      for (int i = 1; i < running; i++) children[i - 1] = children[i], started[i - 1] = started[i];
      running--;
    }
    tk_client *fresh = new_backend_client(0);
    CHECK(fresh != NULL);
    /* Half the forks at once, half a little later: into the threads'
       start-up and into their first poll, SSE connect and send. */
    if (round % 2) sleep_ms(rand() % 4);
    fflush(stdout);
    fflush(stderr);
    double fork_start = now_ms();
    pid_t child = fork();
    if (child == 0) child_syncs_and_sends();
    double fork_ms = now_ms() - fork_start;
    if (fork_ms > worst_fork_ms) worst_fork_ms = fork_ms;
    CHECK(child > 0);
    if (child > 0) {
      children[running] = child;
      started[running++] = now_ms();
    }
    tk_client_free(fresh);
  }
  for (int i = 0; i < running; i++) record(&seen, children[i], started[i]);
  __atomic_store_n(&capturing, 0, __ATOMIC_RELAXED);
  for (int i = 0; i < 3; i++) pthread_join(threads[i], NULL);
  tk_client_free(busy);
  fflush(stderr);
  dup2(saved_stderr, STDERR_FILENO);
  close(saved_stderr);
  static char said[65536];
  if (library_stderr) {
    rewind(library_stderr);
    said[fread(said, 1, sizeof said - 1, library_stderr)] = '\0';
    fclose(library_stderr);
  }
  fputs(said, stderr);

  CHECK(seen.ok == ROUNDS);
  CHECK(seen.hung == 0);
  /* Library threads pause within microseconds: none held a fork up for the
     gate's whole bound, and no fork took long. */
  CHECK(strstr(said, "fork() went ahead") == NULL);
  CHECK(worst_fork_ms < 1000.0);
  printf("fork gate: %d forks, %d children synced and sent, %d hung, %d failed "
         "(no client %d, not synced %d, capture %d, flush %d, not sent %d); slowest fork %.1f ms\n",
         ROUNDS, seen.ok, seen.hung, seen.failed, seen.by_status[3], seen.by_status[4], seen.by_status[5],
         seen.by_status[6], seen.by_status[7], worst_fork_ms);
  char *log = backend_request("GET", "/_control/log", NULL);
  int delivered = count_occurrences(log, "\"from\": \"gated-child\"");
  CHECK(delivered == ROUNDS);
  if (delivered != ROUNDS) fprintf(stderr, "the backend logged %d child captures\n", delivered);
  free(log);
}

int main(void) {
  if (!start_backend()) {
    fprintf(stderr, "c_client_fork_gate: no fake backend (set TRACEKIT_TEST_ENDPOINT or run from the repository root)\n");
    checks_failed++;
    return check_summary("c_client_fork_gate");
  }
  test_every_child_of_a_fresh_client_syncs_and_sends();
  stop_backend();
  return check_summary("c_client_fork_gate");
}
