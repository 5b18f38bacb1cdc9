//go:build amd64 && !purego

package serializer

// haveFlat tells parse to hand runs of flat object entries to flatAsm.
const haveFlat = true

// flatAsm reads flat object entries from s[i] into out (see json_flat.go).
//
//go:noescape
func flatAsm(s string, i int, out []raw, keys uint64) (next, used int, keysOut uint64, status int)
