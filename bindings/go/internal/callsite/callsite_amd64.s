#include "textflag.h"

// func CallerPC() uintptr
// NOFRAME: BP is still the calling function's frame pointer, so 8(BP) is
// that function's return address.
TEXT ·CallerPC(SB), NOSPLIT|NOFRAME, $0-8
	MOVQ 8(BP), AX
	MOVQ AX, ret+0(FP)
	RET
