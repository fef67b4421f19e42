/* tk_site_claim (tracekit.h): a suppression decided by an earlier claim at
   the site is applied here, in C, and counted in per-thread tallies
   (tk_support.h); everything else goes to the full claim in Swift
   (CapturePath.swift), set by tk_site_claim_set_full. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "tk_support.h"

/* Threads that count at once, each in its own row; a row is given back
   when its thread exits and then reused (its counts stay: the sums keep
   them). Beyond that many threads, counting falls back to atomics. */
#define TK_TALLY_ROWS 64

struct tk_tally {
  long long counts[TK_TALLY_ROWS][TK_TALLY_COUNTERS];
};

/* 1 + the calling thread's row; 0: none yet. */
static __thread int thread_row;

static pthread_mutex_t rows_lock = PTHREAD_MUTEX_INITIALIZER;
static int free_rows[TK_TALLY_ROWS];
static int free_count;
static int next_row;
static pthread_key_t row_key;
static pthread_once_t row_key_once = PTHREAD_ONCE_INIT;

static void give_back_row(void *value) {
  thread_row = 0; /* runs on the exiting thread: it no longer owns the row */
  pthread_mutex_lock(&rows_lock);
  free_rows[free_count++] = (int)(intptr_t)value - 1;
  pthread_mutex_unlock(&rows_lock);
}

static void make_row_key(void) { pthread_key_create(&row_key, give_back_row); }

int tk_tally_join(void) {
  if (thread_row) return 1;
  pthread_once(&row_key_once, make_row_key);
  int row = -1;
  pthread_mutex_lock(&rows_lock);
  if (free_count > 0) row = free_rows[--free_count];
  else if (next_row < TK_TALLY_ROWS) row = next_row++;
  pthread_mutex_unlock(&rows_lock);
  if (row < 0) return 0;
  if (pthread_setspecific(row_key, (void *)(intptr_t)(row + 1)) != 0) {
    give_back_row((void *)(intptr_t)(row + 1));
    return 0;
  }
  thread_row = row + 1;
  return 1;
}

tk_tally *tk_tally_new(void) { return calloc(1, sizeof(tk_tally)); }

void tk_tally_free(tk_tally *tally) { free(tally); }

long long tk_tally_sum(const tk_tally *tally, int counter) {
  if (!tally || counter < 0 || counter >= TK_TALLY_COUNTERS) return 0;
  long long sum = 0;
  for (int row = 0; row < TK_TALLY_ROWS; row++) sum += __atomic_load_n(&tally->counts[row][counter], __ATOMIC_RELAXED);
  return sum;
}

static unsigned long long coarse_now_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  return (unsigned long long)now.tv_sec * 1000000000ULL + (unsigned long long)now.tv_nsec;
}

/* 1 when the site's suppression holds and the refusal is counted. */
static inline int claim_suppressed(tk_site_cell *cell) {
  unsigned long long suppression = tk_site_cell_suppression(cell);
  if (suppression == 0) return 0;
  int row = thread_row - 1;
  if (row < 0 || !cell->tally) return 0;
  unsigned long long until = suppression & ~TK_SUPPRESSION_COUNTER_MASK;
  if (until != TK_SUPPRESSED_UNTIL_CHANGE && coarse_now_ns() >= until) return 0;
  /* This row has one writer, this thread: a plain add, stored atomically
     so that a reader summing the rows sees whole values. */
  long long *count = &cell->tally->counts[row][suppression & TK_SUPPRESSION_COUNTER_MASK];
  __atomic_store_n(count, __atomic_load_n(count, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
  return 1;
}

static tk_full_claim full_claim;

void tk_site_claim_set_full(tk_full_claim claim) { __atomic_store_n(&full_claim, claim, __ATOMIC_RELAXED); }

__attribute__((visibility("default"))) int tk_site_claim(tk_site_cell *site) {
  if (!site || claim_suppressed(site)) return 0;
  tk_full_claim claim = __atomic_load_n(&full_claim, __ATOMIC_RELAXED);
  return claim ? claim(site) : 0;
}
