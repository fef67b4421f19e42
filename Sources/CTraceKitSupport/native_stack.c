#define _GNU_SOURCE
#include "tk_support.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char *basename_of(const char *path) {
  const char *slash = path ? strrchr(path, '/') : NULL;
  return slash ? slash + 1 : (path ? path : "??");
}

int tk_native_stack(char *buffer, size_t size, int skip, int max_frames) {
  if (!buffer || size == 0) return 0;
  buffer[0] = '\0';
  void *addresses[128];
  int limit = skip + max_frames;
  if (limit > 128) limit = 128;
  if (limit < 1) return 0;
  int count = backtrace(addresses, limit);
  size_t used = 0;
  int written = 0;
  for (int i = skip; i < count && used + 1 < size; i++) {
    Dl_info info;
    memset(&info, 0, sizeof info);
    const char *function = "??", *image = "??";
    uintptr_t offset = (uintptr_t)addresses[i];
    if (dladdr(addresses[i], &info)) {
      if (info.dli_sname) function = info.dli_sname;
      image = basename_of(info.dli_fname);
      void *base = info.dli_saddr ? info.dli_saddr : info.dli_fbase;
      if (base) offset = (uintptr_t)addresses[i] - (uintptr_t)base;
    }
    int n = snprintf(buffer + used, size - used, "%s%s (%s+0x%lx)", written ? "\n" : "", function, image,
                     (unsigned long)offset);
    if (n < 0) break;
    used += (size_t)n < size - used ? (size_t)n : size - used - 1;
    written++;
  }
  return written;
}
