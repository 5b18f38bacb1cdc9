package auth

import (
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
)

// PKType is the type of the user model's primary key, which decides how _auth_user_id is
// read back (Django's pk.to_python) and compared.
type PKType uint8

const (
	// PKInt is AutoField, BigAutoField or another integer field (the default). As
	// Python's int(), surrounding whitespace, a sign, leading zeros and "_" between digits
	// are accepted: " 042 " is user 42; a JSON number is taken as it is.
	PKInt PKType = iota
	// PKUUID is UUIDField: any form uuid.UUID(hex=...) accepts (with or without dashes,
	// braces, "urn:uuid:", any case), normalised to the canonical lowercase form.
	PKUUID
	// PKString is CharField and other text keys: the string as it is.
	PKString
)

func (p PKType) String() string {
	switch p {
	case PKInt:
		return "int"
	case PKUUID:
		return "uuid"
	case PKString:
		return "string"
	}
	return fmt.Sprintf("PKType(%d)", uint8(p))
}

// Normalize returns the canonical string of a primary key given as text, as Django's
// value_to_string(to_python(s)), or an error matching ErrInvalidUserID.
func (p PKType) Normalize(s string) (string, error) {
	return p.normalize(serializer.Str(s))
}

// NormalizeValue is Normalize for a value of any type (a session's _auth_user_id, a
// token's claim: an int, a float, a str, ...), converted as pk.to_python converts it.
func (p PKType) NormalizeValue(v serializer.Value) (string, error) { return p.normalize(v) }

// normalize converts a session value as pk.to_python does and returns value_to_string
// of the result.
func (p PKType) normalize(v serializer.Value) (string, error) {
	bad := func() (string, error) {
		return "", fmt.Errorf("%w: %s is not a valid %s primary key", ErrInvalidUserID, v, p)
	}
	switch p {
	case PKInt:
		switch v.Kind() {
		case serializer.KindStr:
			s, _ := v.AsStr()
			n, ok := pystr.Int(s)
			if !ok {
				return bad()
			}
			return n.String(), nil
		case serializer.KindInt, serializer.KindBool:
			if b, ok := v.AsBool(); ok {
				if b {
					return "1", nil
				}
				return "0", nil
			}
			n, _ := v.AsBigInt()
			return n.String(), nil
		case serializer.KindFloat:
			f, _ := v.AsFloat()
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return bad()
			}
			n, _ := new(big.Float).SetFloat64(math.Trunc(f)).Int(nil)
			return n.String(), nil
		}
		if n, ok := v.AsBigInt(); ok {
			return n.String(), nil
		}
		return bad()
	case PKUUID:
		switch v.Kind() {
		case serializer.KindStr:
			s, _ := v.AsStr()
			u, ok := parseUUID(s)
			if !ok {
				return bad()
			}
			return u, nil
		case serializer.KindInt:
			n, _ := v.AsBigInt()
			if n.Sign() < 0 || n.BitLen() > 128 {
				return bad()
			}
			var b [16]byte
			n.FillBytes(b[:])
			return formatUUID(b[:]), nil
		}
		if n, ok := v.AsBigInt(); ok && n.Sign() >= 0 && n.BitLen() <= 128 {
			var b [16]byte
			n.FillBytes(b[:])
			return formatUUID(b[:]), nil
		}
		return bad()
	case PKString:
		if s, ok := v.AsStr(); ok {
			return s, nil
		}
		if v.IsNone() {
			return bad()
		}
		return v.String(), nil
	}
	return bad()
}

// parseUUID accepts what Python's uuid.UUID(hex=s) accepts and returns the canonical form.
func parseUUID(s string) (string, bool) {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "urn:", ""), "uuid:", "")
	s = strings.Trim(s, "{}")
	s = strings.ReplaceAll(s, "-", "")
	if len(s) != 32 {
		return "", false
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return "", false
	}
	return formatUUID(b), true
}

func formatUUID(b []byte) string {
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
