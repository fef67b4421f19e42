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

/* noinline: the first frame libgcc reports is this function's own (where
   _Unwind_Backtrace returns to), left out so that the frames start at the
   caller's as tk_cfi_backtrace's do. */
__attribute__((noinline)) int tk_libgcc_backtrace(void **addresses, int max_frames) {
  if (!addresses || max_frames < 1) return 0;
  void *all[129];
  int limit = max_frames < 128 ? max_frames + 1 : 129;
  /* Called directly rather than through glibc's backtrace(), one frame more. */
  trace t = {all, 0, limit};
  _Unwind_Backtrace(record_frame, &t);
  int kept = t.count > 0 ? t.count - 1 : 0;
  memcpy(addresses, all + 1, (size_t)kept * sizeof *addresses);
  return kept;
}

int tk_stack_addresses(void **addresses, int max_frames) {
  if (!addresses || max_frames < 1) return 0;
  pthread_once(&own_range_once, compute_own_range);
  void *all[128];
  /* Walk a little past what is kept: the library's own frames come first.
     The cached walker first; libgcc's where it gives up (the same frames,
     ~1,800 instructions a frame instead of a few dozen). */
  int limit = max_frames + 16 < 128 ? max_frames + 16 : 128;
  int count = tk_cfi_backtrace(all, limit);
  if (count < 0) count = tk_libgcc_backtrace(all, limit);
  /* Leave out the library's own frames at the top (this function first):
     they say nothing about the caller (and the shipped library is
     stripped). */
  int first = 0;
  while (first < count && (uintptr_t)all[first] >= own_start && (uintptr_t)all[first] < own_end) first++;
  int kept = 0;
  for (int i = first; i < count && kept < max_frames; i++) addresses[kept++] = all[i];
  return kept;
}
