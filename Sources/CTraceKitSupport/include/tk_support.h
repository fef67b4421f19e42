#ifndef TK_SUPPORT_H
#define TK_SUPPORT_H
#include <stddef.h>

/* Internal to libtracekit: hidden, so that the tk_* version script does not
   export them as if they were part of tracekit.h's API. */
#define TK_INTERNAL __attribute__((visibility("hidden")))

/* The calling thread's return addresses, without the frames of this
   library's own image at the top; at most max_frames. Cheap: no symbol
   lookup (backtrace()/dladdr() need _GNU_SOURCE, which Swift's Glibc module
   lacks, hence C). Returns the number of addresses written. */
TK_INTERNAL int tk_stack_addresses(void **addresses, int max_frames);

/* Describes addresses one frame a line into buffer, always NUL-terminated,
   truncated to size: "function (file:line)" where DWARF line tables exist
   (libdw, loaded lazily), else "function (image+0xoffset)"; function names
   from the ELF symbol tables (.symtab, .dynsym, or a separate debug file),
   "??" when none. The slow part, cached per address: call it on the sender
   thread, never the caller's (symbolize.c). */
TK_INTERNAL int tk_stack_describe(void *const *addresses, int count, char *buffer, size_t size);



/* What a tk_site * points to: the active flag first, so that
   tk_site_active is one relaxed atomic load and nothing else. */
typedef struct {
  int active;
  void *owner; /* the Swift Site, unretained */
} tk_site_cell;

static inline int tk_site_cell_load(const tk_site_cell *cell) {
  return __atomic_load_n(&cell->active, __ATOMIC_RELAXED);
}

static inline void tk_site_cell_store(tk_site_cell *cell, int active) {
  __atomic_store_n(&cell->active, active, __ATOMIC_RELAXED);
}
#endif
