#define _GNU_SOURCE
#include "tk_support.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

int tk_stack_addresses(void **addresses, int max_frames) {
  if (!addresses || max_frames < 1) return 0;
  pthread_once(&own_range_once, compute_own_range);
  void *all[128];
  /* Unwinding costs per frame: stop a little past what is kept (the
     library's own frames come first). */
  int want = max_frames + 24 < 128 ? max_frames + 24 : 128;
  int count = backtrace(all, want);
  /* Leave out the library's own frames at the top: they say nothing about
     the caller (and the shipped library is stripped). */
  int first = 0;
  while (first < count && (uintptr_t)all[first] >= own_start && (uintptr_t)all[first] < own_end) first++;
  int kept = 0;
  for (int i = first; i < count && kept < max_frames; i++) addresses[kept++] = all[i];
  return kept;
}
