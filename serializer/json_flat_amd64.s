//go:build amd64 && !purego

#include "go_asm.h"
#include "textflag.h"

// Registers of flatAsm:
//	SI  the text          DX  its length      BX  the position
//	DI  where the next raw goes in out       R8  raws out has room for
//	R9  the keys' bit set R10 the start of the entry being read
//	R13 the bit of its key
//	X1, X2, X3  16 copies of '"', of '\\' and of 0x1f
// AX, CX, R11, R12, X0, X4 and X5 are scratch.

// SPECIAL sets AX to a mask of the 16 bytes at SI+idx that end a plain string: '"', '\\',
// and (compared as signed bytes, not above 0x1f) control characters and bytes from 0x80.
#define SPECIAL(idx) \
	MOVOU   (SI)(idx*1), X0 \
	MOVOU   X0, X4 \
	PCMPEQB X1, X4 \
	MOVOU   X0, X5 \
	PCMPEQB X2, X5 \
	POR     X5, X4 \
	PCMPGTB X3, X0 \
	PMOVMSKB X4, AX \
	PMOVMSKB X0, CX \
	XORL    $0xffff, CX \
	ORL     CX, AX

// SCAN16 looks at the text 16 bytes at a time from R11, while 16 are left (else stop),
// and goes to found with AX the mask of the first block that holds a byte SPECIAL marks.
#define SCAN16(loop, found) \
loop: \
	MOVQ  DX, AX \
	SUBQ  R11, AX \
	CMPQ  AX, $16 \
	JLT   stop \
	SPECIAL(R11) \
	TESTL AX, AX \
	JNZ   found \
	ADDQ  $16, R11 \
	JMP   loop

// STRRAW writes at off(DI) the raw of the plain string whose quotes are at start and end.
#define STRRAW(start, end, off) \
	LEAQ 1(start), AX \
	SHLQ $8, AX \
	ORQ  $const_KindStr, AX \
	MOVQ AX, off(DI) \
	MOVQ end, AX \
	SUBQ start, AX \
	DECQ AX \
	MOVQ AX, off+8(DI)

// LITERAL reads the n-byte literal at BX whose bytes from off are the 4-byte word, as a
// value of the given kind and num, and goes on at stored.
#define LITERAL(n, off, word, kind, num) \
	LEAQ n(BX), AX \
	CMPQ AX, DX \
	JHI  stop \
	CMPL off(SI)(BX*1), $word \
	JNE  stop \
	MOVQ $kind, 16(DI) \
	MOVQ $num, 24(DI) \
	MOVQ AX, BX \
	JMP  stored

// DIGIT adds the digit at idx to the number in R12, or goes to end if there is none.
#define DIGIT(idx, end) \
	MOVBLZX (SI)(idx*1), AX \
	SUBL    $0x30, AX \
	CMPL    AX, $9 \
	JHI     end \
	LEAQ    (R12)(R12*4), R12 \
	LEAQ    (AX)(R12*2), R12

// func flatAsm(s string, i int, out []raw, keys uint64) (next, used int, keysOut uint64, status int)
TEXT ·flatAsm(SB), NOSPLIT, $0-88
	MOVQ s_base+0(FP), SI
	MOVQ s_len+8(FP), DX
	MOVQ i+16(FP), BX
	MOVQ out_base+24(FP), DI
	MOVQ out_len+32(FP), R8
	MOVQ keys+48(FP), R9
	MOVQ $0x2222222222222222, AX
	MOVQ AX, X1
	PUNPCKLQDQ X1, X1
	MOVQ $0x5c5c5c5c5c5c5c5c, AX
	MOVQ AX, X2
	PUNPCKLQDQ X2, X2
	MOVQ $0x1f1f1f1f1f1f1f1f, AX
	MOVQ AX, X3
	PUNPCKLQDQ X3, X3

	MOVQ BX, R10
	CMPQ BX, DX
	JAE  stop
	CMPB (SI)(BX*1), $0x22
	JNE  stop

entry: // BX and R10 are at a key's quote
	CMPQ R8, $2
	JLT  full
	LEAQ 1(BX), R11
	SCAN16(keyScan, keyEnd)

keyEnd:
	BSFL AX, CX
	LEAQ (R11)(CX*1), R12 // the byte that ends the key, which must be its quote
	CMPB (SI)(R12*1), $0x22
	JNE  stop

	// The key's bit, as keyBit computes it: a key of up to 7 bytes hashes as the word of
	// its bytes and its quote (the first scan saw 16 bytes, so 8 can be loaded); a longer
	// one as its length, first and last bytes.
	MOVQ R12, AX
	SUBQ R10, AX
	DECQ AX
	CMPQ AX, $8
	JAE  keyLong
	MOVQ 1(SI)(R10*1), R13
	SHLQ $3, AX
	MOVQ $56, CX
	SUBQ AX, CX
	MOVQ $-1, AX
	SHRQ CX, AX
	ANDQ AX, R13
	JMP  keyHash

keyLong:
	SHLQ    $16, AX
	MOVBQZX 1(SI)(R10*1), CX
	SHLQ    $8, CX
	ORQ     CX, AX
	MOVBQZX -1(SI)(R12*1), CX
	ORQ     CX, AX
	MOVQ    AX, R13

keyHash:
	MOVQ  $-7046029254386353131, AX // 0x9e3779b97f4a7c15
	IMULQ AX, R13
	SHRQ  $58, R13
	MOVQ  R13, CX
	MOVL  $1, R13
	SHLQ  CX, R13
	TESTQ R13, R9
	JNZ   stop // a possible repeat: parse looks for it

	// The ':' right after the key, and a byte after it.
	LEAQ 2(R12), AX
	CMPQ AX, DX
	JAE  stop
	CMPB 1(SI)(R12*1), $0x3a
	JNE  stop

	// The key's raw (it counts only once DI moves past it).
	STRRAW(R10, R12, 0)

	// The value.
	LEAQ    2(R12), BX
	MOVBLZX (SI)(BX*1), AX
	CMPB    AL, $0x22
	JEQ     str
	LEAL    -0x30(AX), CX
	CMPB    CL, $9
	JLS     number
	CMPB    AL, $0x74 // t
	JEQ     true
	CMPB    AL, $0x66 // f
	JEQ     false
	CMPB    AL, $0x6e // n
	JEQ     null
	JMP     stop

str:
	LEAQ 1(BX), R11
	SCAN16(strScan, strEnd)

strEnd:
	BSFL AX, CX
	ADDQ CX, R11
	CMPB (SI)(R11*1), $0x22
	JNE  stop
	STRRAW(BX, R11, 16)
	LEAQ 1(R11), BX
	JMP  stored

true:
	LITERAL(4, 0, 0x65757274, const_KindBool, 1) // "true"

false:
	LITERAL(5, 1, 0x65736c61, const_KindBool, 0) // "alse" after the f

null:
	LITERAL(4, 0, 0x6c6c756e, const_KindNone, 0) // "null"

	// A number: R12 accumulates its digits, R11 scans the int part; CX holds the
	// first digit's value. A leading 0 is the whole int part (what follows is parse's
	// to reject).
number:
	LEAQ    1(BX), R11
	XORQ    R12, R12
	CMPB    AL, $0x30
	JEQ     intEnd
	MOVBQZX CL, R12

intDigits:
	CMPQ    R11, DX
	JAE     intEnd
	DIGIT(R11, intEnd)
	INCQ    R11
	JMP     intDigits

intEnd:
	// A fraction: '.' and a digit.
	LEAQ    1(R11), AX
	CMPQ    AX, DX
	JAE     int
	CMPB    (SI)(R11*1), $0x2e
	JNE     int
	MOVBLZX 1(SI)(R11*1), AX
	SUBL    $0x30, AX
	CMPL    AX, $9
	JHI     int
	LEAQ    1(R11), CX

fracDigits:
	CMPQ    CX, DX
	JAE     stop // the text ends in the number
	DIGIT(CX, fracEnd)
	INCQ    CX
	JMP     fracDigits

fracEnd:
	// No exponent, and at most 15 digits in all (so mantissa / 10^frac is exact
	// enough: Clinger's fast path, as in parse).
	MOVBLZX (SI)(CX*1), AX
	ORL     $0x20, AX
	CMPL    AX, $0x65
	JEQ     stop
	MOVQ    CX, AX
	SUBQ    BX, AX
	DECQ    AX
	CMPQ    AX, $15
	JHI     stop
	MOVQ    CX, AX
	SUBQ    R11, AX
	DECQ    AX // the fraction's digits
	CVTSQ2SD R12, X0
	LEAQ    ·pow10tab(SB), R12
	DIVSD   (R12)(AX*8), X0
	MOVQ    X0, AX
	MOVQ    $const_KindFloat, 16(DI)
	MOVQ    AX, 24(DI)
	MOVQ    CX, BX
	JMP     stored

int:
	// At most 18 digits, no exponent, and a byte after it.
	MOVQ    R11, AX
	SUBQ    BX, AX
	CMPQ    AX, $18
	JHI     stop
	CMPQ    R11, DX
	JAE     stop
	MOVBLZX (SI)(R11*1), AX
	ORL     $0x20, AX
	CMPL    AX, $0x65
	JEQ     stop
	MOVQ    $const_KindInt, 16(DI)
	MOVQ    R12, 24(DI)
	MOVQ    R11, BX

stored:
	ADDQ $32, DI
	SUBQ $2, R8
	ORQ  R13, R9

	// Another entry only if ',' and '"' come right after the value.
	LEAQ 1(BX), AX
	CMPQ AX, DX
	JAE  delim
	CMPB (SI)(BX*1), $0x2c
	JNE  delim
	CMPB 1(SI)(BX*1), $0x22
	JNE  delim
	INCQ BX
	MOVQ BX, R10
	JMP  entry

stop:
	MOVQ R10, next+56(FP)
	MOVQ $const_flatStopped, status+80(FP)
	JMP  done

full:
	MOVQ R10, next+56(FP)
	MOVQ $const_flatFull, status+80(FP)
	JMP  done

delim:
	MOVQ BX, next+56(FP)
	MOVQ $const_flatDelim, status+80(FP)

done:
	SUBQ out_base+24(FP), DI
	SHRQ $4, DI
	MOVQ DI, used+64(FP)
	MOVQ R9, keysOut+72(FP)
	RET
