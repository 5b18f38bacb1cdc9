// Package pyuuid makes the UUIDs Python's uuid module makes, in its text form.
package pyuuid

import (
	"crypto/rand"
	"encoding/hex"
)

// New4 is Python's str(uuid.uuid4()): 16 random bytes, version 4, RFC 4122 variant,
// lowercase hex in 8-4-4-4-12 groups.
func New4() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
