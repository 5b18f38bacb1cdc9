package zinflate

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecompress checks that Decompress and DecompressRaw never panic, never exceed
// maxSize and agree with compress/zlib and compress/flate (see agree for the
// documented differences).
func FuzzDecompress(f *testing.F) {
	files, _ := filepath.Glob("testdata/cpython/*.zlib")
	for _, file := range files {
		if z, err := os.ReadFile(file); err == nil && len(z) < 2048 {
			f.Add(z, uint16(1024))
			f.Add(z, uint16(65535))
		}
	}
	for _, c := range craftedCases() {
		f.Add(c.z, uint16(300))
	}
	for _, level := range []int{-2, 0, 1, 6, 9} {
		f.Add(stdZlib([]byte(`{"_auth_user_id":"42","cart":[{"sku":"W1000","qty":1},{"sku":"G1037","qty":2}]}`), level), uint16(100))
	}
	f.Fuzz(func(t *testing.T, src []byte, max uint16) {
		agree(t, src, false, int(max))
		agree(t, src, true, int(max))
	})
}
