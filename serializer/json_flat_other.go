//go:build !amd64 || purego

package serializer

// haveFlat is false: parse reads every object entry itself.
const haveFlat = false

// flatAsm is not called where haveFlat is false: it reads nothing.
func flatAsm(s string, i int, out []raw, keys uint64) (next, used int, keysOut uint64, status int) {
	return i, 0, keys, flatStopped
}
