/* The fork gate (tk_support.h): fork() waits, for at most
   TK_FORK_GATE_BOUND_MS, until no library thread is inside a step of work.
   A library thread holds the gate shared while it works and lets go of it
   around every blocking wait; the pthread_atfork prepare handler takes it
   exclusive. Why: a fork() that lands while one of our threads is inside a
   one-time step of the Swift runtime (a swift_once, generic metadata) or of
   libcurl leaves that step "in progress" in the child for good, and the
   child's new client threads then wait in it for ever. */
#define _GNU_SOURCE
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "tk_support.h"

#define TK_FORK_GATE_BOUND_MS 200
#define TK_STRINGIFY(x) #x
#define TK_TO_STRING(x) TK_STRINGIFY(x)

/* Writer preference: while fork() waits for the gate, threads that want to
   start work wait too, so a busy loop cannot starve the fork. Statically
   initialised: nothing to set up lazily on a library thread. */
static pthread_rwlock_t gate = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
/* Whether this thread holds the gate shared: library threads only, so that a
   wait on another thread (flush, shutdown) neither releases nor takes it,
   and no thread takes it twice (with writer preference a second shared
   acquire behind a waiting fork would deadlock). */
static __thread int held_here;
/* Whether the prepare handler got the gate (false after a timeout). */
static int held_for_fork;
static int timeout_reported;

void tk_fork_gate_enter(void) {
  if (held_here) return;
  pthread_rwlock_rdlock(&gate);
  held_here = 1;
}

void tk_fork_gate_leave(void) {
  if (!held_here) return;
  held_here = 0;
  pthread_rwlock_unlock(&gate);
}

int tk_fork_gate_pause(void) {
  int was_held = held_here;
  tk_fork_gate_leave();
  return was_held;
}

void tk_fork_gate_resume(int was_held) {
  if (was_held) tk_fork_gate_enter();
}

static void close_gate_for_fork(void) {
  struct timespec deadline;
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  deadline.tv_nsec += TK_FORK_GATE_BOUND_MS * 1000000L;
  deadline.tv_sec += deadline.tv_nsec / 1000000000L;
  deadline.tv_nsec %= 1000000000L;
  held_for_fork = pthread_rwlock_clockwrlock(&gate, CLOCK_MONOTONIC, &deadline) == 0;
  /* After the gate: a thread holding the gate may be waiting for this lock. */
  tk_stack_cache_lock_for_fork();
  if (held_for_fork) return;
  /* A library thread did not reach a wait within the bound: fork anyway
     (the host's fork is never held up longer), say so once. */
  if (!__atomic_exchange_n(&timeout_reported, 1, __ATOMIC_RELAXED)) {
    static const char message[] =
        "tracekit: fork() went ahead after waiting " TK_TO_STRING(TK_FORK_GATE_BOUND_MS) " ms for a library thread to pause\n";
    ssize_t ignored = write(STDERR_FILENO, message, sizeof message - 1);
    (void)ignored;
  }
}

static void open_gate_in_parent(void) {
  tk_stack_cache_unlock_after_fork();
  if (held_for_fork) pthread_rwlock_unlock(&gate);
  held_for_fork = 0;
}

/* The child's only thread is the forking one: no library thread holds the
   gate there, whatever the parent's did. */
static void reset_gate_in_child(void) {
  tk_stack_cache_unlock_after_fork();
  pthread_rwlock_t fresh = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
  gate = fresh;
  held_for_fork = 0;
}

/* At library load, on the loading thread: never lazily on a library thread.
   The only pthread_atfork handlers of the library that take a lock: one
   registration fixes the order (the gate first, then what its holders use). */
__attribute__((constructor)) static void register_fork_gate(void) {
  pthread_atfork(close_gate_for_fork, open_gate_in_parent, reset_gate_in_child);
}
