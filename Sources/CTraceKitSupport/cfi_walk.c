#define _GNU_SOURCE
#include "tk_support.h"

#include <stdint.h> /* and, on glibc, <features.h>: __GLIBC__ for the test below */

/* A stack walker for x86-64 Linux that reads the same DWARF call-frame
   information (.eh_frame) libgcc's unwinder reads, and so finds the same
   frames, but remembers per return address what it found: how to compute the
   frame's CFA (rsp or rbp plus an offset) and where the return address and
   the caller's rbp were saved. libgcc looks the FDE up and runs its CFA
   program again for every frame of every walk (~1,800 instructions a frame);
   a remembered frame costs a few dozen.

   Anything this walker does not model (signal frames, CFA expressions,
   registers saved in other registers, code without unwind information, a
   stack other than the thread's own such as a fiber's) makes it give up,
   and the caller walks with libgcc instead: the frames are then libgcc's.
   Every stack read is checked to lie between the walk's own stack pointer
   and the top of the thread's stack, so a wrong or stale recipe (code
   unloaded and other code loaded at the same address) can give wrong frames
   but never reads outside the stack. */

#if defined(__x86_64__) && defined(__linux__) && defined(__GLIBC__) && \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

enum { REG_RBP = 6, REG_RSP = 7, REG_RA = 16 };

/* How to go from a frame to its caller, for one code address. */
typedef enum { RECIPE_EMPTY = 0, RECIPE_STEP, RECIPE_OUTERMOST, RECIPE_UNSUPPORTED } recipe_kind;

typedef struct {
  uintptr_t pc; /* the code address it describes; 0: empty slot */
  int32_t cfa_offset;
  int16_t ra_offset;  /* return address saved at CFA + ra_offset */
  int16_t rbp_offset; /* caller's rbp saved at CFA + rbp_offset; 0: rbp unchanged */
  uint8_t cfa_register; /* REG_RSP or REG_RBP */
  uint8_t kind;
} recipe;

#define RECIPE_SLOTS 256 /* per thread (6 KB), direct-mapped by code address */

typedef struct {
  int stack_known; /* 1: bounds below are the thread's stack; -1: unknown */
  uintptr_t stack_low, stack_high;
  recipe recipes[RECIPE_SLOTS];
} walker_state;

static __thread walker_state thread_state;

/* ---- reading .eh_frame ------------------------------------------------- */

typedef struct {
  const uint8_t *p, *end;
  int ok;
} reader;

static uint8_t read_u8(reader *r) {
  if (r->p >= r->end) { r->ok = 0; return 0; }
  return *r->p++;
}

static uint64_t read_uleb(reader *r) {
  uint64_t value = 0;
  for (unsigned shift = 0;; shift += 7) {
    uint8_t byte = read_u8(r);
    if (!r->ok) return 0;
    if (shift < 64) value |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return value;
  }
}

static int64_t read_sleb(reader *r) {
  uint64_t value = 0;
  unsigned shift = 0;
  uint8_t byte;
  do {
    byte = read_u8(r);
    if (!r->ok) return 0;
    if (shift < 64) value |= (uint64_t)(byte & 0x7f) << shift;
    shift += 7;
  } while (byte & 0x80);
  if (shift < 64 && (byte & 0x40)) value |= ~(uint64_t)0 << shift;
  return (int64_t)value;
}

static uint64_t read_fixed(reader *r, size_t size) {
  if ((size_t)(r->end - r->p) < size) { r->ok = 0; return 0; }
  uint64_t value = 0;
  memcpy(&value, r->p, size); /* little-endian */
  r->p += size;
  return value;
}

/* A DW_EH_PE-encoded pointer; data_base for datarel. Indirect and unusual
   encodings fail the reader (the walk then gives up). */
static uintptr_t read_encoded(reader *r, uint8_t encoding, uintptr_t data_base) {
  const uint8_t *field = r->p;
  uint64_t value;
  switch (encoding & 0x0f) {
    case 0x00: value = read_fixed(r, 8); break;                             /* absptr */
    case 0x02: value = read_fixed(r, 2); break;                             /* udata2 */
    case 0x03: value = read_fixed(r, 4); break;                             /* udata4 */
    case 0x04: value = read_fixed(r, 8); break;                             /* udata8 */
    case 0x0a: value = (uint64_t)(int64_t)(int16_t)read_fixed(r, 2); break; /* sdata2 */
    case 0x0b: value = (uint64_t)(int64_t)(int32_t)read_fixed(r, 4); break; /* sdata4 */
    case 0x0c: value = read_fixed(r, 8); break;                             /* sdata8 */
    default: r->ok = 0; return 0;
  }
  switch (encoding & 0xf0) {
    case 0x00: return (uintptr_t)value;
    case 0x10: return (uintptr_t)field + (uintptr_t)value; /* pcrel */
    case 0x30: return data_base + (uintptr_t)value;        /* datarel */
    default: r->ok = 0; return 0;
  }
}

/* The FDE covering pc, from the object's .eh_frame_hdr search table (the
   lookup libgcc makes through the same _dl_find_object). */
static const uint8_t *find_fde(uintptr_t pc) {
  struct dl_find_object object;
  if (_dl_find_object((void *)pc, &object) != 0 || !object.dlfo_eh_frame) return NULL;
  const uint8_t *header = object.dlfo_eh_frame;
  /* version, eh_frame_ptr encoding, count encoding, table encoding */
  if (header[0] != 1 || header[3] != 0x3b /* datarel | sdata4 */) return NULL;
  reader r = {header + 4, header + 4 + 16, 1};
  (void)read_encoded(&r, header[1], 0);
  uintptr_t count = read_encoded(&r, header[2], 0);
  if (!r.ok || count == 0) return NULL;
  const int32_t *table = (const int32_t *)(const void *)r.p; /* pairs: start, fde */
  uintptr_t base = (uintptr_t)header;
  if (pc < base + (uintptr_t)(intptr_t)table[0]) return NULL;
  size_t low = 0, high = count; /* the last entry starting at or before pc */
  while (high - low > 1) {
    size_t middle = low + (high - low) / 2;
    if (base + (uintptr_t)(intptr_t)table[2 * middle] <= pc) low = middle;
    else high = middle;
  }
  return (const uint8_t *)(base + (uintptr_t)(intptr_t)table[2 * low + 1]);
}

/* ---- running the CFA program ------------------------------------------ */

typedef enum { RULE_SAME = 0, RULE_OFFSET, RULE_UNDEFINED, RULE_UNSUPPORTED } rule_kind;

typedef struct {
  uint8_t cfa_register; /* 0: not rsp/rbp-based */
  int64_t cfa_offset;
  rule_kind rbp, ra;
  int64_t rbp_offset, ra_offset;
  int sp_rule; /* a rule for rsp itself: not modelled */
} frame_rules;

typedef struct {
  int64_t code_align, data_align;
  uint8_t fde_encoding;
  int has_augmentation_data; /* 'z': FDEs carry an augmentation data length */
  const uint8_t *instructions, *end;
} cie_info;

static int parse_cie(const uint8_t *cie, cie_info *info) {
  uint32_t length;
  memcpy(&length, cie, 4);
  if (length == 0 || length == 0xffffffffu) return 0;
  reader r = {cie + 4, cie + 4 + length, 1};
  if (read_fixed(&r, 4) != 0) return 0; /* a CIE's id */
  uint8_t version = read_u8(&r);
  if (version != 1 && version != 3 && version != 4) return 0;
  const char *augmentation = (const char *)r.p;
  size_t augmentation_length = strnlen(augmentation, (size_t)(r.end - r.p));
  if (augmentation_length == (size_t)(r.end - r.p)) return 0;
  r.p += augmentation_length + 1;
  if (version == 4 && (read_u8(&r) != 8 || read_u8(&r) != 0)) return 0; /* address, segment size */
  info->code_align = (int64_t)read_uleb(&r);
  info->data_align = read_sleb(&r);
  uint64_t ra_column = version == 1 ? read_u8(&r) : read_uleb(&r);
  if (!r.ok || ra_column != REG_RA) return 0;
  info->fde_encoding = 0;
  info->has_augmentation_data = augmentation[0] == 'z';
  if (augmentation[0] == 'z') {
    uint64_t data_length = read_uleb(&r);
    if (!r.ok || data_length > (uint64_t)(r.end - r.p)) return 0;
    const uint8_t *data_end = r.p + data_length;
    for (const char *a = augmentation + 1; *a; a++) {
      if (*a == 'R') info->fde_encoding = read_u8(&r);
      else if (*a == 'L') (void)read_u8(&r);
      else if (*a == 'P') break; /* the personality pointer: skipped with the rest */
      else return 0;             /* 'S' (a signal frame) or unknown */
    }
    r.p = data_end;
  } else if (augmentation[0] != 0) {
    return 0;
  }
  if (!r.ok) return 0;
  info->instructions = r.p;
  info->end = r.end;
  return 1;
}

#define STATE_STACK 8

/* value * factor without signed overflow (wrapping: tables are not trusted
   to be sane, and a nonsense result only makes the walk give up). */
static int64_t scaled(uint64_t value, int64_t factor) { return (int64_t)(value * (uint64_t)factor); }

/* Runs the instructions from [p, end) while the location stays at or before
   pc; initial: the rules after the CIE's instructions (for DW_CFA_restore). */
static int run_cfa_program(const uint8_t *p, const uint8_t *end, const cie_info *cie, uintptr_t location,
                           uintptr_t pc, frame_rules *rules, const frame_rules *initial) {
  frame_rules saved[STATE_STACK];
  int depth = 0;
  reader r = {p, end, 1};
  while (r.ok && r.p < r.end && location <= pc) {
    uint8_t op = read_u8(&r);
    uint64_t reg = 0, operand = 0;
    int64_t offset = 0;
    int set_offset = 0, restore = 0;
    switch (op >> 6) {
      case 1: location += (uintptr_t)scaled(op & 0x3f, cie->code_align); continue; /* advance_loc */
      case 2: reg = op & 0x3f; offset = scaled(read_uleb(&r), cie->data_align); set_offset = 1; break;
      case 3: reg = op & 0x3f; restore = 1; break;
      default:
        switch (op) {
          case 0x00: continue; /* nop */
          case 0x02: location += (uintptr_t)scaled(read_fixed(&r, 1), cie->code_align); continue;
          case 0x03: location += (uintptr_t)scaled(read_fixed(&r, 2), cie->code_align); continue;
          case 0x04: location += (uintptr_t)scaled(read_fixed(&r, 4), cie->code_align); continue;
          case 0x05: reg = read_uleb(&r); offset = scaled(read_uleb(&r), cie->data_align); set_offset = 1; break;
          case 0x11: reg = read_uleb(&r); offset = scaled((uint64_t)read_sleb(&r), cie->data_align); set_offset = 1; break;
          case 0x06: reg = read_uleb(&r); restore = 1; break;
          case 0x07: /* undefined */
          case 0x08: /* same_value */
            reg = read_uleb(&r);
            if (reg == REG_RA) rules->ra = op == 0x07 ? RULE_UNDEFINED : RULE_UNSUPPORTED;
            else if (reg == REG_RBP) rules->rbp = op == 0x07 ? RULE_UNSUPPORTED : RULE_SAME;
            else if (reg == REG_RSP) rules->sp_rule = 1;
            continue;
          case 0x09: /* register */
          case 0x14: /* val_offset */
          case 0x15: /* val_offset_sf */
            reg = read_uleb(&r);
            (void)read_uleb(&r);
            break; /* unsupported for rbp and the return address, below */
          case 0x10: /* expression */
          case 0x16: /* val_expression */
            reg = read_uleb(&r);
            operand = read_uleb(&r);
            if (operand > (uint64_t)(r.end - r.p)) return 0;
            r.p += operand;
            break;
          case 0x0a:
            if (depth == STATE_STACK) return 0;
            saved[depth++] = *rules;
            continue;
          case 0x0b:
            if (depth == 0) return 0;
            *rules = saved[--depth]; /* the whole row, the CFA rule included */
            continue;
          case 0x0c: /* def_cfa */
            reg = read_uleb(&r);
            rules->cfa_register = (reg == REG_RSP || reg == REG_RBP) ? (uint8_t)reg : 0;
            rules->cfa_offset = (int64_t)read_uleb(&r);
            continue;
          case 0x12: /* def_cfa_sf */
            reg = read_uleb(&r);
            rules->cfa_register = (reg == REG_RSP || reg == REG_RBP) ? (uint8_t)reg : 0;
            rules->cfa_offset = scaled((uint64_t)read_sleb(&r), cie->data_align);
            continue;
          case 0x0d: /* def_cfa_register */
            reg = read_uleb(&r);
            rules->cfa_register = (reg == REG_RSP || reg == REG_RBP) ? (uint8_t)reg : 0;
            continue;
          case 0x0e: rules->cfa_offset = (int64_t)read_uleb(&r); continue;                   /* def_cfa_offset */
          case 0x13: rules->cfa_offset = scaled((uint64_t)read_sleb(&r), cie->data_align); continue; /* def_cfa_offset_sf */
          case 0x0f:                                                                          /* def_cfa_expression */
            operand = read_uleb(&r);
            if (operand > (uint64_t)(r.end - r.p)) return 0;
            r.p += operand;
            rules->cfa_register = 0;
            continue;
          case 0x2e: (void)read_uleb(&r); continue; /* GNU_args_size */
          case 0x2f: /* GNU_negative_offset_extended */
            reg = read_uleb(&r);
            offset = scaled(0 - read_uleb(&r), cie->data_align);
            set_offset = 1;
            break;
          default: return 0; /* set_loc and anything unknown */
        }
    }
    /* A rule for one register: only rbp, rsp and the return address matter. */
    rule_kind kind = set_offset ? RULE_OFFSET : RULE_UNSUPPORTED;
    if (restore) {
      if (!initial) return 0;
      if (reg == REG_RBP) { rules->rbp = initial->rbp; rules->rbp_offset = initial->rbp_offset; }
      if (reg == REG_RA) { rules->ra = initial->ra; rules->ra_offset = initial->ra_offset; }
      if (reg == REG_RSP) rules->sp_rule = initial->sp_rule;
    } else if (reg == REG_RBP) {
      rules->rbp = kind;
      rules->rbp_offset = offset;
    } else if (reg == REG_RA) {
      rules->ra = kind;
      rules->ra_offset = offset;
    } else if (reg == REG_RSP) {
      rules->sp_rule = 1;
    }
  }
  return r.ok;
}

/* What to do at pc (a return address minus one, or the walk's own first pc). */
static recipe compute_recipe(uintptr_t pc) {
  recipe result = {pc, 0, 0, 0, 0, RECIPE_UNSUPPORTED};
  const uint8_t *fde = find_fde(pc);
  if (!fde) return result;
  uint32_t length, cie_pointer;
  memcpy(&length, fde, 4);
  if (length == 0 || length == 0xffffffffu) return result;
  memcpy(&cie_pointer, fde + 4, 4);
  if (cie_pointer == 0) return result; /* a CIE, not an FDE */
  cie_info cie;
  if (!parse_cie(fde + 4 - cie_pointer, &cie)) return result;
  reader r = {fde + 8, fde + 4 + length, 1};
  uintptr_t start = read_encoded(&r, cie.fde_encoding, 0);
  uintptr_t range = read_encoded(&r, cie.fde_encoding & 0x0f, 0);
  if (cie.has_augmentation_data) {
    uint64_t skip = read_uleb(&r);
    if (skip > (uint64_t)(r.end - r.p)) return result;
    r.p += skip;
  }
  if (!r.ok || pc < start || pc - start >= range) return result;
  frame_rules rules = {0, 0, RULE_SAME, RULE_SAME, 0, 0, 0};
  if (!run_cfa_program(cie.instructions, cie.end, &cie, start, UINTPTR_MAX, &rules, NULL)) return result;
  frame_rules initial = rules;
  if (!run_cfa_program(r.p, r.end, &cie, start, pc, &rules, &initial)) return result;
  if (rules.ra == RULE_UNDEFINED) {
    result.kind = RECIPE_OUTERMOST;
    return result;
  }
  if (rules.cfa_register == 0 || rules.sp_rule || rules.ra != RULE_OFFSET ||
      (rules.rbp != RULE_SAME && rules.rbp != RULE_OFFSET) || rules.cfa_offset < 0 ||
      rules.cfa_offset > INT32_MAX || rules.ra_offset < INT16_MIN || rules.ra_offset > INT16_MAX ||
      rules.rbp_offset < INT16_MIN || rules.rbp_offset > INT16_MAX || (rules.rbp == RULE_OFFSET && rules.rbp_offset == 0))
    return result;
  result.cfa_register = rules.cfa_register;
  result.cfa_offset = (int32_t)rules.cfa_offset;
  result.ra_offset = (int16_t)rules.ra_offset;
  result.rbp_offset = rules.rbp == RULE_OFFSET ? (int16_t)rules.rbp_offset : 0;
  result.kind = RECIPE_STEP;
  return result;
}

static const recipe *recipe_for(walker_state *state, uintptr_t pc) {
  recipe *slot = &state->recipes[(pc * 0x9E3779B97F4A7C15ull) >> 56];
  if (slot->kind == RECIPE_EMPTY || slot->pc != pc) *slot = compute_recipe(pc);
  return slot;
}

/* ---- walking ----------------------------------------------------------- */

static int know_stack(walker_state *state) {
  if (state->stack_known) return state->stack_known > 0;
  state->stack_known = -1;
  pthread_attr_t attributes;
  if (pthread_getattr_np(pthread_self(), &attributes) != 0) return 0;
  void *low = NULL;
  size_t size = 0;
  if (pthread_attr_getstack(&attributes, &low, &size) == 0 && low && size) {
    state->stack_low = (uintptr_t)low;
    state->stack_high = (uintptr_t)low + size;
    state->stack_known = 1;
  }
  pthread_attr_destroy(&attributes);
  return state->stack_known > 0;
}

/* A word of the stack at address, if it is aligned and lies in [low, high - 8]. */
__attribute__((no_sanitize("address"))) static int read_stack_word(uintptr_t address, uintptr_t low, uintptr_t high,
                                                                   uintptr_t *value) {
  if (address % sizeof(uintptr_t) != 0 || address < low || address > high - sizeof(uintptr_t)) return 0;
  *value = *(const volatile uintptr_t *)address;
  return 1;
}

/* noinline: its own frame is the first one unwound (from the registers read
   below), so its callers are what is recorded. No ASan: it reads saved
   registers of other frames. */
__attribute__((noinline, no_sanitize("address"))) int tk_cfi_backtrace(void **addresses, int max_frames) {
  if (!addresses || max_frames < 1) return 0;
  walker_state *state = &thread_state;
  uintptr_t pc, sp, bp;
  __asm__ volatile("lea 0(%%rip), %0\n\tmov %%rsp, %1\n\tmov %%rbp, %2" : "=r"(pc), "=r"(sp), "=r"(bp));
  if (!know_stack(state) || sp < state->stack_low || sp >= state->stack_high) return -1;
  uintptr_t low = sp, high = state->stack_high;
  int count = 0;
  for (;;) {
    /* The frame at pc: its own first, then each caller's at its return
       address minus one (inside the call instruction, as libgcc looks up). */
    const recipe *step = recipe_for(state, pc);
    if (step->kind == RECIPE_OUTERMOST) return count;
    if (step->kind != RECIPE_STEP) return -1;
    uintptr_t cfa = (step->cfa_register == REG_RSP ? sp : bp) + (uintptr_t)(intptr_t)step->cfa_offset;
    if (cfa <= sp || cfa > high) return -1;
    uintptr_t return_address;
    if (!read_stack_word(cfa + (uintptr_t)(intptr_t)step->ra_offset, low, high, &return_address)) return -1;
    if (step->rbp_offset != 0 && !read_stack_word(cfa + (uintptr_t)(intptr_t)step->rbp_offset, low, high, &bp))
      return -1;
    sp = cfa;
    if (return_address == 0) return count;
    if (count == max_frames) return count;
    addresses[count++] = (void *)return_address;
    pc = return_address - 1;
  }
}

#else

int tk_cfi_backtrace(void **addresses, int max_frames) {
  return !addresses || max_frames < 1 ? 0 : -1;
}

#endif
