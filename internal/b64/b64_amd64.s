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

// Encoding: each lane takes 12 bytes; each 3 bytes a, b, c are spread to the dword
// b, a, c, b, from which two masks and multiplies move the four 6-bit values into the four
// bytes. A value becomes its character by adding an offset from a 16-entry table, indexed
// by how far the value is above 51 (for digits, '-' and '_'), or 13 below 26 (capitals),
// 0 otherwise (small letters).

LANES(spread<>, $0x0405030401020001, $0x0a0b090a07080607)
LANES(encMask0<>, $0x0fc0fc000fc0fc00, $0x0fc0fc000fc0fc00)
LANES(encMul0<>, $0x0400004004000040, $0x0400004004000040)
LANES(encMask1<>, $0x003f03f0003f03f0, $0x003f03f0003f03f0)
LANES(encMul1<>, $0x0100001001000010, $0x0100001001000010)
LANES(fiftyOne<>, $0x3333333333333333, $0x3333333333333333)
LANES(twentySix<>, $0x1a1a1a1a1a1a1a1a, $0x1a1a1a1a1a1a1a1a)
LANES(thirteen<>, $0x0d0d0d0d0d0d0d0d, $0x0d0d0d0d0d0d0d0d)
LANES(encShift<>, $0xfcfcfcfcfcfcfc47, $0x00004120effcfcfc)

// func encodeAVX2(dst, src []byte) (n, k int)
TEXT ·encodeAVX2(SB), NOSPLIT, $0-64
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), R8
	MOVQ src_base+24(FP), SI
	MOVQ src_len+32(FP), R9
	XORQ AX, AX
	XORQ BX, BX
	VMOVDQU thirteen<>(SB), Y7
	VMOVDQU spread<>(SB), Y8
	VMOVDQU encMask0<>(SB), Y9
	VMOVDQU encMul0<>(SB), Y10
	VMOVDQU encMask1<>(SB), Y11
	VMOVDQU encMul1<>(SB), Y12
	VMOVDQU fiftyOne<>(SB), Y13
	VMOVDQU twentySix<>(SB), Y14
	VMOVDQU encShift<>(SB), Y15

encLoop:
	MOVQ R9, CX
	SUBQ BX, CX
	CMPQ CX, $28
	JB   encDone
	MOVQ R8, CX
	SUBQ AX, CX
	CMPQ CX, $32
	JB   encDone
	VMOVDQU     (SI)(BX*1), X0
	VINSERTI128 $1, 12(SI)(BX*1), Y0, Y0
	VPSHUFB     Y8, Y0, Y0
	VPAND       Y9, Y0, Y1
	VPMULHUW    Y10, Y1, Y1
	VPAND       Y11, Y0, Y2
	VPMULLW     Y12, Y2, Y2
	VPOR        Y1, Y2, Y0  // 6-bit values
	VPSUBUSB    Y13, Y0, Y1 // how far above 51
	VPCMPGTB    Y0, Y14, Y2 // below 26
	VPAND       Y7, Y2, Y2
	VPOR        Y2, Y1, Y1
	VPSHUFB     Y1, Y15, Y1
	VPADDB      Y1, Y0, Y0
	VMOVDQU     Y0, (DI)(AX*1)
	ADDQ        $32, AX
	ADDQ        $24, BX
	JMP         encLoop

encDone:
	VZEROUPPER
	MOVQ AX, n+48(FP)
	MOVQ BX, k+56(FP)
	RET
