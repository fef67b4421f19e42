/* The JSON string scanner's inner loop: skips the bytes a string literal
   copies as they are (printable ASCII other than '"' and '\\'), 16 at a time
   with SSE2; the caller handles the byte it stops at. */
#include "tk_scan.h"
#include "plain_ascii.h"

size_t tk_scan_plain_ascii(const uint8_t *text, size_t start, size_t count) {
  return scan_plain_ascii(text, start, count);
}
