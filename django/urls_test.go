package django

import (
	"net/http/httptest"
	"testing"
)

// The Location of Django 6.1.3's login_required for an anonymous user, from
// scripts/peer_ops_urls.py (host example.com, not secure); TestLiveLoginRequired holds
// it to every version on random requests.
func TestRedirectToLoginURL(t *testing.T) {
	s := NewSettings()
	s.AllowedHosts = []string{"example.com"}
	for _, c := range []struct{ path, loginURL, field, want string }{
		{"/a%20b/?q=1", "/in/", "next", "/in/?next=/a%2520b/%3Fq%3D1"},
		{"/%FF/x", "/login/?a=1&next=old&b=%20+x", "next", "/login/?a=1&next=/%2525FF/x&b=%20%20x"},
		{"/caf%C3%A9/?s=%C3%A9%2F", "https://sso.example.org/login", "return_to",
			"https://sso.example.org/login?return_to=http%3A//example.com/caf%25C3%25A9/%3Fs%3D%25C3%25A9%252F"},
		{"/x+y/", "/login/#frag", "", "/login/#frag"},
		{"/a%25b", "/login/?x", "next", "/login/?x=&next=/a%2525b"},
		// A raw UTF-8 query reaches Django as latin-1 text (each byte a character).
		{"/?q=\xc3\xa9", "/in/", "next", "/in/?next=/%3Fq%3D%25C3%2583%25C2%25A9"},
	} {
		r := httptest.NewRequest("GET", "http://example.com"+c.path, nil)
		next, err := s.LoginRequiredNext(r, c.loginURL)
		if err != nil {
			t.Fatal(err)
		}
		if got := RedirectToLoginURL(next, c.loginURL, c.field); got != c.want {
			t.Errorf("%s to %s:\n got %s\nwant %s", c.path, c.loginURL, got, c.want)
		}
	}
	r := httptest.NewRequest("GET", "http://evil.com/", nil)
	if _, err := s.LoginRequiredNext(r, "/in/"); err != ErrDisallowedHost {
		t.Errorf("foreign host: %v", err)
	}
}
