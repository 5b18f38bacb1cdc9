package oauth2provider

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
)

// What the toolkit's introspection request does as Python's requests does it.

// errNotLatin1 is http.client's UnicodeEncodeError for a header value beyond latin-1,
// which requests does not catch (Django answers 500).
var errNotLatin1 = errors.New("oauth2provider: an introspection header beyond latin-1 (Python's UnicodeEncodeError)")

// latin1 is s encoded as latin-1, as http.client encodes a header's value.
func latin1(s string) (string, error) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return "", errNotLatin1
		}
		b = append(b, byte(r))
	}
	return string(b), nil
}

// maxRedirects is requests' DEFAULT_REDIRECT_LIMIT.
const maxRedirects = 30

// requestsClient is c (nil: http.DefaultClient) following redirects as requests does: at
// most 30, with no Referer, and without the Authorization header when the redirect goes
// to another host, port or scheme (but from http to https on the default ports).
func requestsClient(c *http.Client) *http.Client {
	if c == nil {
		c = http.DefaultClient
	}
	cc := *c
	cc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > maxRedirects {
			return fmt.Errorf("exceeded %d redirects (requests' TooManyRedirects)", maxRedirects)
		}
		req.Header.Del("Referer")
		if stripAuth(via[len(via)-1].URL, req.URL) {
			req.Header.Del("Authorization")
		}
		return nil
	}
	return &cc
}

// stripAuth is requests' should_strip_auth.
func stripAuth(old, next *url.URL) bool {
	if old.Hostname() != next.Hostname() {
		return true
	}
	port := func(u *url.URL) string { return u.Port() }
	if old.Scheme == "http" && (port(old) == "80" || port(old) == "") && next.Scheme == "https" &&
		(port(next) == "443" || port(next) == "") {
		return false
	}
	def := map[string]string{"http": "80", "https": "443"}[old.Scheme]
	isDefault := func(p string) bool { return p == "" || p == def }
	if old.Scheme == next.Scheme && isDefault(port(old)) && isDefault(port(next)) {
		return false
	}
	return port(old) != port(next) || old.Scheme != next.Scheme
}

// basicAuth is requests' _basic_auth_str: Basic and the base64 of user:password in
// latin-1.
func basicAuth(user, password string) (string, error) {
	u, err := latin1(user)
	if err != nil {
		return "", err
	}
	p, err := latin1(password)
	if err != nil {
		return "", err
	}
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p)), nil
}

// requestsJSON is requests' Response.json(): without a charset the Content-Type implies
// (get_encoding_from_headers), the body is decoded as the UTF the first bytes suggest
// (guess_json_utf; BOMs removed), else as text in that charset (errors replaced; UTF-8
// standing for the charset Python would guess), then parsed as Python's json.loads
// parses a str.
func requestsJSON(body []byte, contentType string) (serializer.Value, error) {
	enc, declared := encodingFromHeaders(contentType)
	if !declared && len(body) > 3 {
		if guess := guessJSONUTF(body); guess != "" {
			if text, ok := decodeUTF(body, guess, false); ok {
				return jsonLoads(text)
			}
		}
	}
	return jsonLoads(decodeText(body, enc))
}

// jsonLoads is json.loads of a str (which refuses a leading BOM).
func jsonLoads(text string) (serializer.Value, error) {
	if strings.HasPrefix(text, "\ufeff") {
		return serializer.Value{}, errors.New("Unexpected UTF-8 BOM (decode using utf-8-sig)")
	}
	return serializer.DecodeJSONText(text)
}

// encodingFromHeaders is requests' get_encoding_from_headers: the charset parameter, or
// ISO-8859-1 for a text type, or UTF-8 for JSON; declared false for none.
func encodingFromHeaders(contentType string) (string, bool) {
	if contentType == "" {
		return "", false
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mediaType, _, _ = strings.Cut(contentType, ";")
		mediaType = strings.ToLower(strings.TrimSpace(mediaType))
	}
	if cs, ok := params["charset"]; ok {
		return strings.Trim(cs, `'"`), true
	}
	switch {
	case strings.Contains(mediaType, "text"):
		return "ISO-8859-1", true
	case strings.Contains(mediaType, "application/json"):
		return "utf-8", true
	}
	return "", false
}

// guessJSONUTF is requests' guess_json_utf.
func guessJSONUTF(b []byte) string {
	sample := b[:4]
	switch {
	case bytes.Equal(sample, []byte{0xff, 0xfe, 0, 0}), bytes.Equal(sample, []byte{0, 0, 0xfe, 0xff}):
		return "utf-32"
	case bytes.HasPrefix(sample, []byte{0xef, 0xbb, 0xbf}):
		return "utf-8-sig"
	case bytes.HasPrefix(sample, []byte{0xff, 0xfe}), bytes.HasPrefix(sample, []byte{0xfe, 0xff}):
		return "utf-16"
	}
	nulls := bytes.Count(sample, []byte{0})
	switch {
	case nulls == 0:
		return "utf-8"
	case nulls == 2 && sample[0] == 0 && sample[2] == 0:
		return "utf-16-be"
	case nulls == 2 && sample[1] == 0 && sample[3] == 0:
		return "utf-16-le"
	case nulls == 3 && sample[0] == 0 && sample[1] == 0 && sample[2] == 0:
		return "utf-32-be"
	case nulls == 3 && sample[1] == 0 && sample[2] == 0 && sample[3] == 0:
		return "utf-32-le"
	}
	return ""
}

// decodeText is str(content, encoding, errors="replace") for requests' Response.text:
// latin-1 and ASCII by their names, the UTFs, and UTF-8 for any other name.
func decodeText(b []byte, enc string) string {
	switch pystr.Codec(enc) {
	case pystr.Latin1Codec:
		return pystr.Latin1(string(b))
	case pystr.ASCII:
		var sb strings.Builder
		for _, c := range b {
			if c < utf8.RuneSelf {
				sb.WriteByte(c)
			} else {
				sb.WriteRune(utf8.RuneError)
			}
		}
		return sb.String()
	}
	if text, ok := decodeUTF(b, strings.ToLower(strings.ReplaceAll(enc, "_", "-")), true); ok {
		return text
	}
	return django.ValidUTF8(string(b))
}

// decodeUTF decodes b in one of the UTFs by Python's name (utf-8, utf-8-sig, utf-16,
// utf-16-le/be, utf-32, utf-32-le/be), strictly or replacing errors; ok false for an
// error in strict mode, or another name.
func decodeUTF(b []byte, enc string, replace bool) (string, bool) {
	switch enc {
	case "utf-8", "utf8", "":
		if !replace && !utf8.Valid(b) {
			return "", false
		}
		return django.ValidUTF8(string(b)), true
	case "utf-8-sig", "utf8-sig":
		b = bytes.TrimPrefix(b, []byte{0xef, 0xbb, 0xbf})
		if !replace && !utf8.Valid(b) {
			return "", false
		}
		return django.ValidUTF8(string(b)), true
	case "utf-16", "utf16", "utf-16-le", "utf-16le", "utf-16-be", "utf-16be":
		big := strings.HasSuffix(enc, "be")
		if enc == "utf-16" || enc == "utf16" {
			switch {
			case bytes.HasPrefix(b, []byte{0xfe, 0xff}):
				big, b = true, b[2:]
			case bytes.HasPrefix(b, []byte{0xff, 0xfe}):
				b = b[2:]
			}
		}
		units := make([]uint16, 0, len(b)/2)
		for i := 0; i+1 < len(b); i += 2 {
			if big {
				units = append(units, uint16(b[i])<<8|uint16(b[i+1]))
			} else {
				units = append(units, uint16(b[i+1])<<8|uint16(b[i]))
			}
		}
		runes := utf16.Decode(units)
		if !replace {
			if len(b)%2 != 0 {
				return "", false
			}
			for i, r := range runes {
				if r == utf8.RuneError && !isReplacementUnit(units, i) {
					return "", false
				}
			}
		}
		s := string(runes)
		if len(b)%2 != 0 {
			s += "\ufffd"
		}
		return s, true
	case "utf-32", "utf32", "utf-32-le", "utf-32le", "utf-32-be", "utf-32be":
		big := strings.HasSuffix(enc, "be")
		if enc == "utf-32" || enc == "utf32" {
			switch {
			case bytes.HasPrefix(b, []byte{0, 0, 0xfe, 0xff}):
				big, b = true, b[4:]
			case bytes.HasPrefix(b, []byte{0xff, 0xfe, 0, 0}):
				b = b[4:]
			}
		}
		var sb strings.Builder
		for i := 0; i < len(b); i += 4 {
			if i+3 >= len(b) {
				if !replace {
					return "", false
				}
				sb.WriteRune(utf8.RuneError)
				break
			}
			var r rune
			if big {
				r = rune(b[i])<<24 | rune(b[i+1])<<16 | rune(b[i+2])<<8 | rune(b[i+3])
			} else {
				r = rune(b[i+3])<<24 | rune(b[i+2])<<16 | rune(b[i+1])<<8 | rune(b[i])
			}
			if r > utf8.MaxRune || r >= 0xd800 && r <= 0xdfff {
				if !replace {
					return "", false
				}
				r = utf8.RuneError
			}
			sb.WriteRune(r)
		}
		return sb.String(), true
	}
	return "", false
}

// isReplacementUnit reports whether the i-th decoded rune of units is a U+FFFD that was
// in the text (rather than a lone surrogate utf16.Decode replaced).
func isReplacementUnit(units []uint16, i int) bool {
	// (utf16.Decode yields one rune per unit but for pairs: walk the units)
	n := 0
	for j := 0; j < len(units); j++ {
		u := units[j]
		pair := utf16.IsSurrogate(rune(u)) && j+1 < len(units) && utf16.DecodeRune(rune(u), rune(units[j+1])) != utf8.RuneError
		if n == i {
			return u == 0xfffd
		}
		if pair {
			j++
		}
		n++
	}
	return false
}
