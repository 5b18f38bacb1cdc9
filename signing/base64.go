package signing

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"

	"github.com/djsession/djsession/internal/b64"
)

// ErrBase64 is returned when base64 text cannot be decoded even by Python's lenient rules.
var ErrBase64 = errors.New("signing: invalid base64")

// B64Encode returns the URL-safe base64 of b without padding, as django.core.signing's
// b64_encode.
func B64Encode(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// B64Decode decodes s as django.core.signing's b64_decode does: it pads s to a multiple of
// four and decodes it as Python's urlsafe_b64decode, which accepts both alphabets ("-_" and
// "+/"), tolerates extra padding and skips characters outside the alphabet.
func B64Decode(s string) ([]byte, error) { return b64Decode(nil, s) }

// b64Decode appends the decoded bytes to dst.
func b64Decode(dst []byte, s string) ([]byte, error) {
	// Fast path: Go's unpadded URL-safe decoder (which b64.DecodeURL matches, faster)
	// reads what Python reads when it succeeds without skipping a character (it ignores
	// trailing bits, as Python does). It also skips \r and \n, as Python does, but Python
	// pads to the length with them, which then may not complete the last quantum: a decode
	// that skipped any (it wrote fewer bytes than the length gives) is redone by the
	// lenient decoder, which reads everything else too. The 32 bytes of spare room let
	// b64's block loop run to the end.
	n := base64.RawURLEncoding.DecodedLen(len(s))
	start := len(dst)
	dst = slices.Grow(dst, n+32)[:start+n+32]
	m, err := b64.DecodeURL(dst[start:], s)
	if err == nil && m == n {
		return dst[:start+m], nil
	}
	pad := (4 - len(s)%4) % 4
	return pyA2B(dst[:start], s, pad, &b64Value, false)
}

// B64DecodeURLSafe decodes s as Python's base64.urlsafe_b64decode does (no padding
// added): either alphabet, other characters skipped. Django's urlsafe_base64_decode (the
// uidb64 of password reset links) pads its input oddly, then calls it.
func B64DecodeURLSafe(s string) ([]byte, error) { return pyA2B(nil, s, 0, &b64Value, false) }

// B64DecodeStd decodes s as Python's base64.b64decode does by default: the standard
// alphabet, no padding added, other characters (including "-" and "_") skipped.
func B64DecodeStd(s string) ([]byte, error) { return pyA2B(nil, s, 0, &b64StdValue, false) }

// B64DecodeStdStrict decodes s as Python's base64.b64decode(s, validate=True) does (the
// strict mode of binascii.a2b_base64, Python 3.11+): the standard alphabet only, no
// padding first, none where a quantum has no character yet, nothing after the padding,
// and the last quantum complete. (Bits left over in it are dropped, as Python drops them.)
func B64DecodeStdStrict(s string) ([]byte, error) { return pyA2B(nil, s, 0, &b64StdValue, true) }

// b64Value maps both base64 alphabets to their 6-bit values; 0xff marks other bytes.
var b64Value = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < 64; i++ {
		t[std[i]] = byte(i)
	}
	t['-'], t['_'] = 62, 63
	return t
}()

// b64StdValue is b64Value without the URL-safe characters.
var b64StdValue = func() (t [256]byte) {
	t = b64Value
	t['-'], t['_'] = 0xff, 0xff
	return t
}()

// pyA2B decodes s followed by pad '=' characters with the rules of CPython's
// binascii.a2b_base64 in its default, non-strict mode: characters outside the alphabet are
// skipped; a '=' ends the input once at least two characters of a quantum are in and the
// quantum is complete with padding; leftover bits are dropped; a dangling quantum of one
// character, or an incomplete one without padding, is an error. In strict mode, a
// character outside the alphabet, padding first or where a quantum has no character, and
// anything after the padding are errors too.
func pyA2B(dst []byte, s string, pad int, alphabet *[256]byte, strict bool) ([]byte, error) {
	if strict && s != "" && s[0] == '=' {
		return dst, fmt.Errorf("%w: leading padding not allowed", ErrBase64)
	}
	var quad, pads int
	var left byte
	padding := false
	n := len(s) + pad
	for i := 0; i < n; i++ {
		c := byte('=')
		if i < len(s) {
			c = s[i]
		}
		if c == '=' {
			padding = true
			if strict && quad == 0 {
				return dst, fmt.Errorf("%w: excess padding not allowed", ErrBase64)
			}
			if quad >= 2 {
				pads++
				if quad+pads >= 4 {
					if strict && i+1 < n {
						return dst, fmt.Errorf("%w: excess data after padding", ErrBase64)
					}
					return dst, nil
				}
			}
			continue
		}
		v := alphabet[c]
		if v >= 64 {
			if strict {
				return dst, fmt.Errorf("%w: only base64 data is allowed", ErrBase64)
			}
			continue
		}
		if strict && padding {
			return dst, fmt.Errorf("%w: discontinuous padding not allowed", ErrBase64)
		}
		pads = 0
		switch quad {
		case 0:
			left, quad = v, 1
		case 1:
			dst = append(dst, left<<2|v>>4)
			left, quad = v&0x0f, 2
		case 2:
			dst = append(dst, left<<4|v>>2)
			left, quad = v&0x03, 3
		case 3:
			dst = append(dst, left<<6|v)
			left, quad = 0, 0
		}
	}
	switch quad {
	case 0:
		return dst, nil
	case 1:
		return dst, fmt.Errorf("%w: number of data characters cannot be 1 more than a multiple of 4", ErrBase64)
	}
	return dst, fmt.Errorf("%w: incorrect padding", ErrBase64)
}
