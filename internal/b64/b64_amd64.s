//go:build amd64 && !purego

#include "textflag.h"

// Each byte c is checked with two 16-entry tables, indexed by its low and its high
// nibble: the high nibble picks a class (one bit), the low-nibble table has the bits of
// the classes in which that low nibble makes a byte outside the alphabet. Valid bytes
// become their 6-bit values by adding an offset picked by the high nibble ('_', the one
// byte whose offset differs from its nibble's, picks entry 13). The values are then
// packed: pairs into 12-bit words, word pairs into 24-bit dwords, dwords into bytes in
// big-endian order, and the two 12-byte halves side by side.

#define LANES(name, lo, hi) \
	DATA name+0(SB)/8, lo \
	DATA name+8(SB)/8, hi \
	DATA name+16(SB)/8, lo \
	DATA name+24(SB)/8, hi \
	GLOBL name(SB), RODATA|NOPTR, $32

LANES(lutLo<>, $0x030303030303030b, $0x2737353737070303)
LANES(lutHi<>, $0x2008100804020101, $0x0101010101010101)
LANES(lutRoll<>, $0xb9b9bfbf04110000, $0x0000e00000000000)
LANES(nibble<>, $0x0f0f0f0f0f0f0f0f, $0x0f0f0f0f0f0f0f0f)
LANES(underscore<>, $0x5f5f5f5f5f5f5f5f, $0x5f5f5f5f5f5f5f5f)
LANES(eight<>, $0x0808080808080808, $0x0808080808080808)
LANES(pairs<>, $0x0140014001400140, $0x0140014001400140)
LANES(quads<>, $0x0001100000011000, $0x0001100000011000)
LANES(order<>, $0x090a040506000102, $0x808080800c0d0e08)

DATA compact<>+0(SB)/8, $0x0000000100000000
DATA compact<>+8(SB)/8, $0x0000000400000002
DATA compact<>+16(SB)/8, $0x0000000600000005
DATA compact<>+24(SB)/8, $0x0000000700000007
GLOBL compact<>(SB), RODATA|NOPTR, $32

// func decodeAVX2(dst []byte, src string) (n, k int)
TEXT ·decodeAVX2(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), R8
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), R9
	XORQ AX, AX
	XORQ BX, BX
	VMOVDQU order<>(SB), Y6
	VMOVDQU compact<>(SB), Y7
	VMOVDQU lutLo<>(SB), Y8
	VMOVDQU lutHi<>(SB), Y9
	VMOVDQU lutRoll<>(SB), Y10
	VMOVDQU nibble<>(SB), Y11
	VMOVDQU underscore<>(SB), Y12
	VMOVDQU eight<>(SB), Y13
	VMOVDQU pairs<>(SB), Y14
	VMOVDQU quads<>(SB), Y15

loop:
	MOVQ R9, CX
	SUBQ BX, CX
	CMPQ CX, $32
	JB   done
	MOVQ R8, CX
	SUBQ AX, CX
	CMPQ CX, $32
	JB   done
	VMOVDQU (SI)(BX*1), Y0
	VPSRLD  $4, Y0, Y1
	VPAND   Y11, Y1, Y1    // high nibbles
	VPAND   Y11, Y0, Y2    // low nibbles
	VPSHUFB Y2, Y8, Y3
	VPSHUFB Y1, Y9, Y4
	VPTEST  Y3, Y4
	JNZ     done           // a byte outside the alphabet
	VPCMPEQB Y12, Y0, Y5
	VPAND   Y13, Y5, Y5
	VPOR    Y5, Y1, Y1
	VPSHUFB Y1, Y10, Y5
	VPADDB  Y5, Y0, Y0     // 6-bit values
	VPMADDUBSW Y14, Y0, Y0 // a<<6|b in each word
	VPMADDWD Y15, Y0, Y0   // a<<18|b<<12|c<<6|d in each dword
	VPSHUFB Y6, Y0, Y0     // 3 bytes per dword, big-endian, 12 per lane
	VPERMD  Y0, Y7, Y0     // 24 bytes in a row
	VMOVDQU Y0, (DI)(AX*1)
	ADDQ    $24, AX
	ADDQ    $32, BX
	JMP     loop

done:
	VZEROUPPER
	MOVQ AX, n+40(FP)
	MOVQ BX, k+48(FP)
	RET
