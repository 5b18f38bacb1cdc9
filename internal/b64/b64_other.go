//go:build !amd64 || purego

package b64

var useAVX2 = false

func decodeBlocks(dst []byte, src string) (n, k int) { return decodeGeneric(dst, src) }

func encodeBlocks(dst, src []byte) (n, k int) { return 0, 0 }
