package django

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

// pyQuote is Python's urllib.parse.quote(s, safe) on the UTF-8 bytes of s: every byte
// but ASCII letters, digits, "_.-~" and those of safe becomes %XX (upper case).
func pyQuote(s, safe string) string {
	const hexUpper = "0123456789ABCDEF"
	keep := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("_.-~", c) >= 0 || strings.IndexByte(safe, c) >= 0
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !keep(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		if c := s[i]; keep(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hexUpper[c>>4], hexUpper[c&15])
		}
	}
	return string(b)
}

// IRIToURI is Django's iri_to_uri: the characters a URI may not hold, as UTF-8 %XX
// escapes; existing escapes and the reserved characters are kept.
func IRIToURI(iri string) string { return pyQuote(iri, "/#%[]=:;$&()+,!?*@'~") }

// EscapeURIPath is Django's escape_uri_path: a path made safe for a URI (a "%" too
// becomes %25).
func EscapeURIPath(path string) string { return pyQuote(path, "/:@&+$,-_.!~*'()") }

// RequestPath is request.path for r (without a SCRIPT_NAME): the decoded path, where
// bytes that are not UTF-8 are %-escaped again, as Django's repercent_broken_unicode
// does (one escape per byte of each ill-formed part).
func RequestPath(r *http.Request) string {
	p := r.URL.Path
	if p == "" {
		p = "/"
	}
	return RepercentBroken(p)
}

// RepercentBroken is Django's repercent_broken_unicode, as it leaves the parts of
// request.path_info (and so a URL pattern's arguments): s with each byte of its ill-formed
// UTF-8 %-escaped again; s itself when it is UTF-8.
func RepercentBroken(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return string(replaceIllFormed([]byte(s), func(out, part []byte) []byte {
		return append(out, pyQuote(string(part), "/#%[]=:;$&()+,!?*@'~")...)
	}))
}

// GetFullPath is request.get_full_path(): the escaped path and, when there is one, "?"
// and the query string made a URI.
func GetFullPath(r *http.Request) string {
	p := EscapeURIPath(RequestPath(r))
	if q := r.URL.RawQuery; q != "" {
		// QUERY_STRING reaches Django as latin-1 text: each byte a character.
		if !isASCII(q) {
			rs := make([]rune, len(q))
			for i := 0; i < len(q); i++ {
				rs[i] = rune(q[i])
			}
			q = string(rs)
		}
		p += "?" + IRIToURI(q)
	}
	return p
}

// RedirectFieldName is Django's REDIRECT_FIELD_NAME, the query parameter of the page to go
// back to after logging in.
const RedirectFieldName = "next"

// RedirectToLoginURL is the Location of Django's redirect_to_login(next, login_url,
// redirect_field_name): loginURL with next set in its query under redirectFieldName (none
// when it is ""), the query re-encoded as QueryDict.urlencode(safe="/") writes it, then
// made a URI as HttpResponseRedirect does.
//
// Known differences, all in settings rather than requests: loginURL is split and joined
// as CPython 3.13 does (Django 3.2 and 4.2 on their Pythons write "/login;" and "////x"
// differently), is not resolved as a URL pattern name, and is not refused where Django
// raises (a query of over 1000 fields, a Location over 16384 characters on 4.2+).
func RedirectToLoginURL(next, loginURL, redirectFieldName string) string {
	u, err := urlSplit(loginURL, splitPy312)
	if err != nil {
		u = pyURL{path: loginURL} // (Django raises: a 500)
	}
	if redirectFieldName != "" {
		// QueryDict: keys in order of first appearance, each with its values.
		var keys []string
		values := map[string][]string{}
		if u.query != "" {
			for field := range strings.SplitSeq(u.query, "&") {
				if field == "" {
					continue
				}
				k, v, _ := strings.Cut(field, "=")
				k, v = pyUnquotePlus(k), pyUnquotePlus(v)
				if _, ok := values[k]; !ok {
					keys = append(keys, k)
				}
				values[k] = append(values[k], v)
			}
		}
		if _, ok := values[redirectFieldName]; !ok {
			keys = append(keys, redirectFieldName)
		}
		values[redirectFieldName] = []string{next}
		var parts []string
		for _, k := range keys {
			for _, v := range values[k] {
				parts = append(parts, pyQuote(k, "/")+"="+pyQuote(v, "/"))
			}
		}
		u.query = strings.Join(parts, "&")
	}
	return IRIToURI(u.unsplit())
}

// unsplit is urllib.parse.urlunsplit (CPython 3.13's).
func (u pyURL) unsplit() string {
	url := u.path
	switch {
	case u.netloc != "":
		if url != "" && url[0] != '/' {
			url = "/" + url
		}
		url = "//" + u.netloc + url
	case strings.HasPrefix(url, "//"):
		url = "//" + url
	case u.scheme != "" && slices.Contains(usesNetloc, u.scheme) && (url == "" || url[0] == '/'):
		url = "//" + url
	}
	if u.scheme != "" {
		url = u.scheme + ":" + url
	}
	if u.query != "" {
		url += "?" + u.query
	}
	if u.fragment != "" {
		url += "#" + u.fragment
	}
	return url
}

// usesNetloc is urllib.parse.uses_netloc.
var usesNetloc = []string{"", "ftp", "http", "gopher", "nntp", "telnet", "imap", "wais", "file", "mms", "https",
	"shttp", "snews", "prospero", "rtsp", "rtsps", "rtspu", "rsync", "svn", "svn+ssh", "sftp", "nfs", "git", "git+ssh",
	"ws", "wss", "itms-services"}

// LoginRequiredNext is the "next" that Django's login_required sends for r to loginURL:
// request.get_full_path(), or the absolute URI when loginURL names another scheme or
// host. It fails with ErrDisallowedHost where Django does (login_required builds the
// absolute URI first). (A path with "/./" or "/../" segments, when loginURL is on another
// host, is kept as it is, where Django's build_absolute_uri resolves the segments.)
func (s *Settings) LoginRequiredNext(r *http.Request, loginURL string) (string, error) {
	host, err := s.GetHost(r)
	if err != nil {
		return "", err
	}
	scheme := "http"
	if s.IsSecure(r) {
		scheme = "https"
	}
	full := GetFullPath(r)
	login, err := urlSplit(loginURL, splitPy312)
	if err != nil {
		return "", err
	}
	if (login.scheme == "" || login.scheme == scheme) && (login.netloc == "" || login.netloc == host) {
		return full, nil
	}
	return IRIToURI(scheme + "://" + host + full), nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// errorPage answers as Django's default error views (django.views.defaults) do when the
// project has no template for the status: its ERROR_PAGE_TEMPLATE with title and no
// details, as text/html; charset=utf-8 (see ErrorPagesNoCharset).
func (s *Settings) errorPage(w http.ResponseWriter, status int, title string) {
	ct := "text/html; charset=utf-8"
	if s.ErrorPagesNoCharset {
		ct = "text/html"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	io.WriteString(w, "\n<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>"+title+
		"</title>\n</head>\n<body>\n  <h1>"+title+"</h1><p></p>\n</body>\n</html>\n")
}

// PermissionDenied answers r as Django's default handler403 does (PermissionDenied
// raised by a view, no 403.html template): status 403 and the "403 Forbidden" page.
func (s *Settings) PermissionDenied(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, http.StatusForbidden, "403 Forbidden")
}

// BadRequest answers r as Django's default handler400 does without DEBUG (a
// SuspiciousOperation such as DisallowedHost, no 400.html template): status 400 and the
// "Bad Request (400)" page.
func (s *Settings) BadRequest(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, http.StatusBadRequest, "Bad Request (400)")
}

// ServerError answers r as Django's default handler500 does without DEBUG (no 500.html
// template): status 500 and the "Server Error (500)" page.
func (s *Settings) ServerError(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, http.StatusInternalServerError, "Server Error (500)")
}
