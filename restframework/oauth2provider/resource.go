package oauth2provider

import (
	"errors"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/djsession/djsession/internal/pystr"
)

// ErrURL is Python's ValueError from urlsplit (brackets of an IPv6 host that do not
// match, or enclose no IPv6 address): a resource indicator the toolkit's validator fails
// on, which Django answers with a server error.
var ErrURL = errors.New("oauth2provider: invalid URL (Python's ValueError from urlsplit)")

// ValidateResourceAsURLPrefix is the toolkit's validate_resource_as_url_prefix, its
// default RESOURCE_SERVER_TOKEN_RESOURCE_VALIDATOR: true when there are no audiences, or
// when one of them, an absolute http(s) URI, has the request URI's scheme, host and port
// (80 and 443 by default) and a path of which the request's is the same path or one
// beneath it (".." and "." resolved); URIs with user information or a fragment never
// match.
func ValidateResourceAsURLPrefix(requestURI string, audiences []string) (bool, error) {
	if len(audiences) == 0 {
		return true, nil
	}
	req, ok, err := parseResourceURI(requestURI)
	if err != nil || !ok {
		return false, err
	}
	reqPath := strings.TrimRight(req.path, "/") + "/"
	for _, aud := range audiences {
		a, ok, err := parseResourceURI(aud)
		if err != nil {
			return false, err
		}
		if !ok || a.scheme != req.scheme || a.host != req.host || a.port != req.port {
			continue
		}
		if strings.HasPrefix(reqPath, strings.TrimRight(a.path, "/")+"/") {
			return true, nil
		}
	}
	return false, nil
}

// resourceURI is what the toolkit's _parse_and_validate_uri keeps of a URI.
type resourceURI struct {
	scheme, host, port, path string // (port "": None)
}

// parseResourceURI is _parse_and_validate_uri: ok false for the URIs it refuses (None).
func parseResourceURI(uri string) (resourceURI, bool, error) {
	u, err := urlsplit(uri)
	if err != nil {
		return resourceURI{}, false, err
	}
	_, hostinfo, hasInfo := rcut(u.netloc, "@")
	if hasInfo || u.fragment != "" || strings.Contains(uri, "#") || u.scheme == "" {
		return resourceURI{}, false, nil
	}
	host, port := hostPort(hostinfo)
	if host == "" {
		return resourceURI{}, false, nil
	}
	if port != "" {
		if !allDigits(port) {
			return resourceURI{}, false, nil // (the port property's ValueError)
		}
		n, err := strconv.Atoi(port)
		if err != nil || n > 65535 {
			return resourceURI{}, false, nil
		}
		port = strconv.Itoa(n)
	}
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.scheme]
	}
	p := u.path
	if p == "" {
		p = "/"
	}
	return resourceURI{scheme: u.scheme, host: pyLowerHost(host), port: port, path: normpath(p)}, true, nil
}

// split is what Python's urlsplit returns.
type split struct{ scheme, netloc, path, query, fragment string }

var schemeChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-."

// urlsplit is Python's urllib.parse.urlsplit (as CPython 3.13 has it; the NFKC check of a
// netloc beyond ASCII left out).
func urlsplit(url string) (split, error) {
	url = strings.TrimLeft(url, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	url = strings.NewReplacer("\t", "", "\r", "", "\n", "").Replace(url)
	var s split
	if i := strings.IndexByte(url, ':'); i > 0 && isASCIIAlpha(url[0]) {
		ok := true
		for j := 0; j < i; j++ {
			if !strings.ContainsRune(schemeChars, rune(url[j])) {
				ok = false
				break
			}
		}
		if ok {
			s.scheme, url = strings.ToLower(url[:i]), url[i+1:]
		}
	}
	if strings.HasPrefix(url, "//") {
		end := len(url)
		for _, c := range "/?#" {
			if i := strings.IndexRune(url[2:], c); i >= 0 && i+2 < end {
				end = i + 2
			}
		}
		s.netloc, url = url[2:end], url[end:]
		open, closed := strings.Contains(s.netloc, "["), strings.Contains(s.netloc, "]")
		if open != closed {
			return s, ErrURL
		}
		if open {
			if err := checkBracketedNetloc(s.netloc); err != nil {
				return s, err
			}
		}
	}
	if i := strings.IndexByte(url, '#'); i >= 0 {
		url, s.fragment = url[:i], url[i+1:]
	}
	if i := strings.IndexByte(url, '?'); i >= 0 {
		url, s.query = url[:i], url[i+1:]
	}
	s.path = url
	return s, nil
}

var ipvFuture = regexp.MustCompile(`\Av[a-fA-F0-9]+\..+\z`)

// checkBracketedNetloc is urlsplit's check of a netloc with brackets (CPython 3.13): what
// the first "[" and the next "]" enclose must be an IPv6 address or an IPvFuture one.
func checkBracketedNetloc(netloc string) error {
	_, bracketed, _ := strings.Cut(netloc, "[")
	host, _, _ := strings.Cut(bracketed, "]")
	if strings.HasPrefix(host, "v") {
		if !ipvFuture.MatchString(host) {
			return ErrURL
		}
		return nil
	}
	// (ipaddress refuses a zone holding a "%", which netip takes)
	if _, zone, _ := strings.Cut(host, "%"); strings.Contains(zone, "%") {
		return ErrURL
	}
	if a, err := netip.ParseAddr(host); err != nil || !a.Is6() {
		return ErrURL
	}
	return nil
}

// hostPort is SplitResult._hostinfo: the host (without brackets) and the port ("" for
// None).
func hostPort(hostinfo string) (host, port string) {
	if _, bracketed, found := strings.Cut(hostinfo, "["); found {
		host, rest, _ := strings.Cut(bracketed, "]")
		_, port, _ = strings.Cut(rest, ":")
		return host, port
	}
	host, port, _ = strings.Cut(hostinfo, ":")
	return host, port
}

// pyLowerHost is SplitResult.hostname's lower() (Python's: U+0130 becomes two code
// points), on the part before a zone's "%".
func pyLowerHost(h string) string {
	name, zone, found := strings.Cut(h, "%")
	name = pystr.Lower(name)
	if found {
		return name + "%" + zone
	}
	return name
}

// rcut is Python's str.rpartition: the text before and after the last sep.
func rcut(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return "", s, false
	}
	return s[:i], s[i+len(sep):], true
}

// normpath is Python's posixpath.normpath.
func normpath(p string) string {
	if p == "" {
		return "."
	}
	lead := 0
	if strings.HasPrefix(p, "/") {
		lead = 1
		if strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "///") {
			lead = 2
		}
	}
	var out []string
	for _, c := range strings.Split(p, "/") {
		switch {
		case c == "" || c == ".":
		case c != ".." || lead == 0 && len(out) == 0 || len(out) > 0 && out[len(out)-1] == "..":
			out = append(out, c)
		case len(out) > 0:
			out = out[:len(out)-1]
		}
	}
	s := strings.Repeat("/", lead) + strings.Join(out, "/")
	if s == "" {
		return "."
	}
	return s
}

func isASCIIAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
