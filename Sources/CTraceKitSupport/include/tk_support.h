#ifndef TK_SUPPORT_H
#define TK_SUPPORT_H
#include <stddef.h>

/* Internal to libtracekit: hidden, so that the tk_* version script does not
   export them as if they were part of tracekit.h's API. */
#define TK_INTERNAL __attribute__((visibility("hidden")))

/* The calling thread's return addresses, without the frames of this
   library's own image at the top; at most max_frames. Cheap: no symbol
   lookup (libgcc's unwinder and dladdr() need C headers Swift's Glibc module
   lacks, hence C). Returns the number of addresses written. */
TK_INTERNAL int tk_stack_addresses(void **addresses, int max_frames);

/* The two walkers behind it. Each writes the return addresses of its
   caller's frames, innermost first (the first is where this call returns
   to), at most max_frames, and returns how many. tk_cfi_backtrace reads the
   same unwind tables as libgcc but remembers per return address what it
   found (cfi_walk.c); it returns -1 where it gives up (a frame it does not
   model): then tk_libgcc_backtrace (libgcc's _Unwind_Backtrace) walks. */
TK_INTERNAL int tk_cfi_backtrace(void **addresses, int max_frames);
TK_INTERNAL int tk_libgcc_backtrace(void **addresses, int max_frames);

/* Describes addresses one frame a line into buffer, always NUL-terminated,
   truncated to size: "function (file:line)" where DWARF line tables exist
   (libdw, loaded lazily), else "function (image+0xoffset)"; function names
   from the ELF symbol tables (.symtab, .dynsym, or a separate debug file),
   "??" when none. The slow part, cached per address: call it on the sender
   thread, never the caller's (symbolize.c). */
TK_INTERNAL int tk_stack_describe(void *const *addresses, int count, char *buffer, size_t size);
/* tk_stack_describe's cache lock, for the fork gate's pthread_atfork handlers only. */
TK_INTERNAL void tk_stack_cache_lock_for_fork(void);
TK_INTERNAL void tk_stack_cache_unlock_after_fork(void);



/* Per-thread counts of suppressed claims (site_claim.c): tk_site_claim
   counts a suppression without an atomic read-modify-write (a locked add
   costs more than the rest of a suppressed claim). One tally per client;
   each thread adds to its own row, a reader sums the rows. */
typedef struct tk_tally tk_tally;
#define TK_TALLY_COUNTERS 32

TK_INTERNAL tk_tally *tk_tally_new(void);
TK_INTERNAL void tk_tally_free(tk_tally *tally);
/* The sum of every thread's count of counter (0..TK_TALLY_COUNTERS-1). */
TK_INTERNAL long long tk_tally_sum(const tk_tally *tally, int counter);
/* Gives the calling thread its row if it has none yet (a lock, once per
   thread); false when every row is taken (the thread then counts through
   the client's atomic counters). */
TK_INTERNAL int tk_tally_join(void);

/* What a tk_site * points to: the active flag first, so that
   tk_site_active is one relaxed atomic load and nothing else. */
typedef struct {
  int active;
  void *owner; /* the Swift Site, unretained */
  /* The suppression a claim decided here, while it holds: the deadline
     (CLOCK_MONOTONIC_COARSE ns, or TK_SUPPRESSED_UNTIL_CHANGE) with the
     stats counter in the low TK_SUPPRESSION_COUNTER_MASK bits; 0: none. */
  unsigned long long suppression;
  tk_tally *tally; /* the client's */
} tk_site_cell;

#define TK_SUPPRESSION_COUNTER_MASK 31ULL
#define TK_SUPPRESSED_UNTIL_CHANGE (~TK_SUPPRESSION_COUNTER_MASK)

static inline int tk_site_cell_load(const tk_site_cell *cell) {
  return __atomic_load_n(&cell->active, __ATOMIC_RELAXED);
}

static inline void tk_site_cell_store(tk_site_cell *cell, int active) {
  __atomic_store_n(&cell->active, active, __ATOMIC_RELAXED);
}

static inline unsigned long long tk_site_cell_suppression(const tk_site_cell *cell) {
  return __atomic_load_n(&cell->suppression, __ATOMIC_RELAXED);
}

static inline void tk_site_cell_set_suppression(tk_site_cell *cell, unsigned long long value) {
  __atomic_store_n(&cell->suppression, value, __ATOMIC_RELAXED);
}

/* tk_site_claim itself is C (site_claim.c): a suppression decided by an
   earlier claim at the site, while it holds, is refused and counted there
   (in the calling thread's row of the tally: no lock, no atomic
   read-modify-write; the clock only for a suppression that ends at a
   time). Everything else goes to the full claim, set once by the Swift
   side before any site exists. */
typedef int (*tk_full_claim)(tk_site_cell *cell);
TK_INTERNAL void tk_site_claim_set_full(tk_full_claim claim);

/* The fork gate (fork_gate.c): fork() waits, at most 200 ms, until no
   library thread is inside a step of work. Library threads only: enter at
   the start of the thread's body, leave at its end; around every blocking
   wait (curl_multi_poll, a condition wait) pause, then resume with what
   pause returned. On a thread that did not enter (the caller's) leave,
   pause and resume do nothing. */
TK_INTERNAL void tk_fork_gate_enter(void);
TK_INTERNAL void tk_fork_gate_leave(void);
TK_INTERNAL int tk_fork_gate_pause(void);
TK_INTERNAL void tk_fork_gate_resume(int was_held);

#endif
