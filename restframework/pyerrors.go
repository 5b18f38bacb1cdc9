package restframework

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
)

// pyJSONMessages are Python's json messages for the serializer's reasons.
var pyJSONMessages = map[string]string{
	"expecting ',' delimiter":                           "Expecting ',' delimiter",
	"expecting ':' delimiter":                           "Expecting ':' delimiter",
	"expecting property name enclosed in double quotes": "Expecting property name enclosed in double quotes",
	"expecting value":                                   "Expecting value",
	"extra data":                                        "Extra data",
	"invalid control character in string":               "Invalid control character at",
	`invalid \uXXXX escape`:                             `Invalid \uXXXX escape`,
	`invalid \escape`:                                   `Invalid \escape`,
	"unterminated string":                               "Unterminated string starting at",
}

// errJSONTooDeep: Python's json module fails with a RecursionError (no ValueError: a
// server error in DRF) on deeply nested input.
var errJSONTooDeep = errors.New("restframework: JSON nested too deep (Python's RecursionError)")

// pyJSONError is str() of the exception Python's json.loads raises on text where the
// serializer found err: a JSONDecodeError's "<message>: line L column C (char N)" (N in
// characters), the ValueError of an int beyond 4300 digits, worded as python ("3.10",
// "3.12"; "" for 3.13 and later) words them: before 3.13 a trailing comma is an
// "Expecting ..." error, and before 3.12 the limit of digits is "(4300)".
func pyJSONError(text string, err error, python string) (string, error) {
	olderThan := func(minor int) bool {
		m := 0
		if _, err := fmt.Sscanf(python, "3.%d", &m); err != nil {
			return false
		}
		return m < minor
	}
	var je *serializer.JSONError
	if !errors.As(err, &je) {
		return "", err
	}
	var digits, limit int
	if n, _ := fmt.Sscanf(je.Msg, "int of %d digits exceeds the limit of %d", &digits, &limit); n == 2 {
		unit := " digits"
		if olderThan(12) {
			unit = ""
		}
		return fmt.Sprintf("Exceeds the limit (%d%s) for integer string conversion: value has %d digits; use sys.set_int_max_str_digits() to increase the limit", limit, unit, digits), nil
	}
	msg, ok := pyJSONMessages[je.Msg]
	if !ok {
		return "", errJSONTooDeep
	}
	pos := je.Offset
	if je.Msg == "unterminated string" && endsInUnicodeEscape(text) {
		// (Python wants a character after a \uXXXX escape before it reads it)
		pos, msg = len(text)-5, `Invalid \uXXXX escape`
	}
	if pos == 0 && strings.HasPrefix(text, "\ufeff") {
		msg = "Unexpected UTF-8 BOM (decode using utf-8-sig)"
	}
	if !olderThan(13) && pos < len(text) && (je.Msg == "expecting value" && text[pos] == ']' ||
		je.Msg == "expecting property name enclosed in double quotes" && text[pos] == '}') {
		j := pos - 1
		for j >= 0 && strings.IndexByte(" \t\n\r", text[j]) >= 0 {
			j--
		}
		if j >= 0 && text[j] == ',' {
			pos, msg = j, "Illegal trailing comma before end of array"
			if text[je.Offset] == '}' {
				msg = "Illegal trailing comma before end of object"
			}
		}
	}
	before := text[:pos]
	char := utf8.RuneCountInString(before)
	line := strings.Count(before, "\n") + 1
	col := char + 1
	if i := strings.LastIndexByte(before, '\n'); i >= 0 {
		col = char - utf8.RuneCountInString(before[:i])
	}
	return fmt.Sprintf("%s: line %d column %d (char %d)", msg, line, col, char), nil
}

// pyStreamUTF8 is what DRF's JSONParser reads of body through codecs.getreader("utf-8"):
// its text, where a sequence cut short at the very end is left out (the stream reader
// waits for the rest), or the error of the first bad sequence.
func pyStreamUTF8(body []byte) (string, error) {
	for b := body; !utf8.Valid(b); {
		msg, i, atEnd := pyUTF8Error(b)
		if !atEnd {
			return "", ErrParse.with("JSON parse error - " + msg)
		}
		b = b[:i]
		body = b
	}
	return string(body), nil
}

// pyUTF8Error is str() of the UnicodeDecodeError Python's UTF-8 codec raises on b (which
// is not valid UTF-8): the first bad sequence, its bytes and the reason; i is where the
// sequence starts, and atEnd tells a sequence cut short by the end of b.
func pyUTF8Error(b []byte) (msg string, i int, atEnd bool) {
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || n > 1 {
			i += n
			continue
		}
		break
	}
	lead, n := b[i], pystr.MaximalSubpart(b[i:])
	end, reason := i+n, "invalid continuation byte"
	switch {
	case lead < 0xc2 || lead > 0xf4:
		reason = "invalid start byte"
	case end == len(b):
		reason = "unexpected end of data"
	}
	atEnd = reason == "unexpected end of data"
	if end-i == 1 {
		return fmt.Sprintf("'utf-8' codec can't decode byte 0x%02x in position %d: %s", lead, i, reason), i, atEnd
	}
	return fmt.Sprintf("'utf-8' codec can't decode bytes in position %d-%d: %s", i, end-1, reason), i, atEnd
}

// endsInUnicodeEscape reports whether text ends with a \uXXXX escape (its backslash not
// itself escaped).
func endsInUnicodeEscape(text string) bool {
	n := len(text)
	if n < 6 || text[n-6] != '\\' || text[n-5] != 'u' {
		return false
	}
	for _, c := range text[n-4:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	slashes := 0
	for i := n - 6; i >= 0 && text[i] == '\\'; i-- {
		slashes++
	}
	return slashes%2 == 1
}
