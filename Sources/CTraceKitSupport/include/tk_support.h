#ifndef TK_SUPPORT_H
#define TK_SUPPORT_H
#include <stddef.h>

/* Writes the calling thread's stack, one frame a line
   ("function (image+0xoffset)"), skipping the first `skip` frames and
   keeping at most `max_frames`, into buffer (always NUL-terminated,
   truncated to size). Returns the number of frames written.
   backtrace()/dladdr() need _GNU_SOURCE, which Swift's Glibc module lacks. */
int tk_native_stack(char *buffer, size_t size, int skip, int max_frames);

#endif
