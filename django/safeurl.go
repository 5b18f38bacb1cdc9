package django

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/djsession/djsession/internal/pystr"
)

// maxURLLength is django.utils.http.MAX_URL_LENGTH (Django 5.0+).
const maxURLLength = 2048

// URLHasAllowedHostAndScheme is Django's url_has_allowed_host_and_scheme(url,
// allowed_hosts, require_https), the check that keeps a "next" parameter from sending a
// user to another site (an open redirect): true when url is relative, or absolute with an
// http(s) scheme (https only with requireHTTPS) and a netloc that is one of allowedHosts
// exactly (host[:port], as request.get_host() gives it). Empty, scheme-only, "///...",
// control-character-led and (Django 5.0+) over-2048-character URLs are refused, with a
// backslash also read as "/", as browsers do. The rules are those of the Django version
// of s (SafeURLLegacy, SafeURLBackport).
//
// Known differences: Go's Unicode tables (15.0) decide which leading characters are
// controls or unassigned, where each Python has its own; and the NFKC check CPython's
// urlsplit makes of a non-ASCII netloc (Django 5.0+) is not made, which matters only for
// an allowed host that is not ASCII.
func (s *Settings) URLHasAllowedHostAndScheme(url string, allowedHosts []string, requireHTTPS bool) bool {
	url = pystr.Strip(url)
	if url == "" {
		return false
	}
	return s.allowedHostAndScheme(url, allowedHosts, requireHTTPS) &&
		s.allowedHostAndScheme(strings.ReplaceAll(url, `\`, "/"), allowedHosts, requireHTTPS)
}

func (s *Settings) allowedHostAndScheme(url string, allowedHosts []string, requireHTTPS bool) bool {
	rules := splitPy312
	switch {
	case s.SafeURLLegacy:
		rules = splitDjango32
	case s.SafeURLBackport:
		rules = splitDjango4
	}
	if strings.HasPrefix(url, "///") || rules == splitPy312 && utf8.RuneCountInString(url) > maxURLLength {
		return false
	}
	u, err := urlSplit(url, rules)
	if err != nil {
		return false
	}
	if u.netloc == "" && u.scheme != "" {
		return false
	}
	if first, _ := utf8.DecodeRuneInString(url); pyCategoryC(first) {
		return false
	}
	scheme := u.scheme
	if scheme == "" && u.netloc != "" {
		scheme = "http"
	}
	if u.netloc != "" && !slices.Contains(allowedHosts, u.netloc) {
		return false
	}
	return scheme == "" || scheme == "https" || scheme == "http" && !requireHTTPS
}

// pyCategoryC reports whether unicodedata.category(r) starts with "C": a control, format,
// surrogate, private-use or unassigned character.
func pyCategoryC(r rune) bool {
	if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Cs, unicode.Co) {
		return true
	}
	return !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z)
}
