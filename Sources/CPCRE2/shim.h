#ifndef TK_CPCRE2_SHIM_H
#define TK_CPCRE2_SHIM_H
/* PCRE2 needs the code unit width before its header; a cSettings define does
   not reach Swift's importer, so it lives here. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* Macros Swift cannot import. */
static inline size_t tk_pcre2_zero_terminated(void) { return PCRE2_ZERO_TERMINATED; }
static inline uint32_t tk_pcre2_jit_complete(void) { return PCRE2_JIT_COMPLETE; }
#endif
