package caches

import (
	"math/big"
	"strconv"

	"github.com/djsession/djsession/serializer"
)

// maxIntDigits is CPython's default limit on the digits of int(str) (sys.int_info
// .default_max_str_digits): longer digit strings raise ValueError.
const maxIntDigits = 4300

// ParsePythonInt parses data as Python's int(data) parses a bytes object, which is how
// Django's RedisCache, django-redis and the memcached clients read a stored int: ASCII
// white space (space, \t \n \v \f \r) around, an optional sign, decimal digits with single
// underscores between them, at most 4300 digits. It reports false where Python raises
// ValueError.
func ParsePythonInt(data []byte) (serializer.Value, bool) {
	isSpace := func(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }
	i, j := 0, len(data)
	for i < j && isSpace(data[i]) {
		i++
	}
	for j > i && isSpace(data[j-1]) {
		j--
	}
	s := data[i:j]
	neg := false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	// (Tested before the copy below: every stored value that is not an int, such as a
	// pickle, fails at its first byte.)
	if len(s) == 0 || s[0] < '0' || s[0] > '9' {
		return serializer.Value{}, false
	}
	digits := make([]byte, 0, len(s)+1)
	if neg {
		digits = append(digits, '-')
	}
	for k, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case c == '_' && k > 0 && k < len(s)-1 && s[k-1] != '_' && s[k+1] >= '0' && s[k+1] <= '9':
		default:
			return serializer.Value{}, false
		}
	}
	n := len(digits)
	if neg {
		n--
	}
	if n > maxIntDigits {
		return serializer.Value{}, false
	}
	if v, err := strconv.ParseInt(string(digits), 10, 64); err == nil {
		return serializer.Int(v), true
	}
	b, ok := new(big.Int).SetString(string(digits), 10)
	if !ok {
		return serializer.Value{}, false
	}
	return serializer.BigInt(b), true
}

// appendInt appends the decimal digits of an int, as Python's str(int) and redis-py
// write it.
func appendInt(dst []byte, v serializer.Value) []byte {
	if i, ok := v.AsInt(); ok {
		return strconv.AppendInt(dst, i, 10)
	}
	b, _ := v.AsBigInt()
	return b.Append(dst, 10)
}
