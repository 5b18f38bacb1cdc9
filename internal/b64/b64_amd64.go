//go:build amd64 && !purego

package b64

import "golang.org/x/sys/cpu"

// useAVX2 selects the AVX2 loop; tests turn it off to exercise the table loop alone.
var useAVX2 = cpu.X86.HasAVX2

// decodeAVX2 decodes blocks of 32 characters of the alphabet (24 bytes each) from the
// start of src while dst has room for a 32-byte store, and stops before the first block
// that holds any other byte. It returns the bytes written and the characters read.
//
//go:noescape
func decodeAVX2(dst []byte, src string) (n, k int)

func decodeBlocks(dst []byte, src string) (n, k int) {
	if useAVX2 && len(src) >= 32 {
		n, k = decodeAVX2(dst, src)
	}
	m, j := decodeGeneric(dst[n:], src[k:])
	return n + m, k + j
}

// encodeAVX2 encodes blocks of 24 bytes of src (reading 28) into 32 characters while
// src and dst have that many left. It returns the characters written and bytes read.
//
//go:noescape
func encodeAVX2(dst, src []byte) (n, k int)

func encodeBlocks(dst, src []byte) (n, k int) {
	if useAVX2 {
		return encodeAVX2(dst, src)
	}
	return 0, 0
}
