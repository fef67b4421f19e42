#define _GNU_SOURCE
#include "tk_support.h"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unwind.h>

/* The address range of this library's own image, found once: comparing
   addresses with it is far cheaper than a dladdr() per frame. */
static uintptr_t own_start, own_end;
static pthread_once_t own_range_once = PTHREAD_ONCE_INIT;

static int find_own_range(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  uintptr_t self = (uintptr_t)data;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
    if (segment->p_type != PT_LOAD) continue;
    uintptr_t start = info->dlpi_addr + segment->p_vaddr, end = start + segment->p_memsz;
    if (self >= start && self < end) {
      own_start = start;
      own_end = end;
      return 1;
    }
  }
  return 0;
}

static void compute_own_range(void) { dl_iterate_phdr(find_own_range, (void *)(uintptr_t)tk_stack_addresses); }

/* What the unwinder's callback fills: return addresses, at most max. */
typedef struct {
  void **addresses;
  int count, max;
} trace;

static _Unwind_Reason_Code record_frame(struct _Unwind_Context *context, void *data) {
  trace *t = data;
  uintptr_t ip = _Unwind_GetIP(context);
  if (ip == 0 || t->count >= t->max) return _URC_END_OF_STACK;
  t->addresses[t->count++] = (void *)ip;
  return _URC_NO_REASON;
}

int tk_stack_addresses(void **addresses, int max_frames) {
  if (!addresses || max_frames < 1) return 0;
  pthread_once(&own_range_once, compute_own_range);
  void *all[128];
  /* Unwinding costs per frame (~1,800 instructions in libgcc): stop a
     little past what is kept (the library's own frames come first), and
     call the unwinder directly rather than through glibc's backtrace(),
     which is one frame more. */
  trace t = {all, 0, max_frames + 16 < 128 ? max_frames + 16 : 128};
  _Unwind_Backtrace(record_frame, &t);
  /* Leave out the library's own frames at the top (this function first):
     they say nothing about the caller (and the shipped library is
     stripped). */
  int first = 0;
  while (first < t.count && (uintptr_t)all[first] >= own_start && (uintptr_t)all[first] < own_end) first++;
  int kept = 0;
  for (int i = first; i < t.count && kept < max_frames; i++) addresses[kept++] = all[i];
  return kept;
}
