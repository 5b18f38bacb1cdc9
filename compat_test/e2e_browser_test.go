package compat_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A real browser: headless Chromium driven over WebDriver (chromedriver, W3C protocol)
// by the small client below.

// findChromium returns the Chromium binary and chromedriver, or skips (fails under
// DJSESSION_REQUIRE_LIVE=1) naming the install command.
func findChromium(t *testing.T) (browserBin, driverBin string) {
	t.Helper()
	const hint = "headless Chromium not found: run scripts/install-chromium (apt-get install -y chromium chromium-driver)"
	driver, err := exec.LookPath("chromedriver")
	if err != nil {
		skipOrFail(t, "%s: %v", hint, err)
	}
	// Debian's /usr/bin/chromium is a shell wrapper; the binary proper is beside the driver's.
	for _, p := range []string{os.Getenv("DJSESSION_CHROMIUM"), "/usr/lib/chromium/chromium"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p, driver
			}
		}
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, driver
		}
	}
	skipOrFail(t, "%s", hint)
	return "", ""
}

// webDriver is one WebDriver session.
type webDriver struct {
	t    testing.TB
	base string // http://127.0.0.1:port/session/<id>
}

// wdCall performs one WebDriver command and returns its "value".
func wdCall(method, u string, body any) (json.RawMessage, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		Value json.RawMessage `json:"value"`
	}
	data, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("%s %s: %d %.300s", method, u, resp.StatusCode, data)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %d %.500s", method, u, resp.StatusCode, out.Value)
	}
	return out.Value, nil
}

// startWebDriver runs chromedriver and opens a session of headless Chromium with an empty
// profile; both end with the test.
func startWebDriver(t *testing.T, browserBin, driverBin string) *webDriver {
	t.Helper()
	addr := freeAddr(t)
	port := addr[strings.LastIndexByte(addr, ':')+1:]
	cmd := exec.Command(driverBin, "--port="+port, "--allowed-ips=127.0.0.1", "--log-level=WARNING")
	// Chromium leaves scoped directories in TMPDIR; this one goes with the test (its
	// cleanup, registered first, runs after chromedriver has been stopped).
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	root := "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	for {
		v, err := wdCall("GET", root+"/status", nil)
		var st struct{ Ready bool }
		if err == nil && json.Unmarshal(v, &st) == nil && st.Ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("chromedriver not ready: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome",
		"goog:chromeOptions": map[string]any{
			"binary": browserBin,
			"args": []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
				"--disable-background-networking", "--disable-component-update", "--disable-sync",
				"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir()},
		},
	}}}
	v, err := wdCall("POST", root+"/session", caps)
	if err != nil {
		t.Fatalf("new Chromium session: %v\n%s", err, logs.String())
	}
	var sess struct {
		SessionID string `json:"sessionId"`
	}
	if err := json.Unmarshal(v, &sess); err != nil || sess.SessionID == "" {
		t.Fatalf("new Chromium session: %s", v)
	}
	wd := &webDriver{t: t, base: root + "/session/" + sess.SessionID}
	t.Cleanup(func() { wdCall("DELETE", wd.base, nil) })
	return wd
}

func (wd *webDriver) call(method, path string, body any) json.RawMessage {
	wd.t.Helper()
	v, err := wdCall(method, wd.base+path, body)
	if err != nil {
		wd.t.Fatal(err)
	}
	return v
}

// open navigates to u and waits until the browser is there (at u, or at a page u
// redirects to below it). A load still under way from an earlier click, such as the
// redirect after the login form, can win over the navigation, which then never happens:
// open navigates again when, after a second, the browser is not at u.
func (wd *webDriver) open(u string) {
	wd.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		wd.call("POST", "/url", map[string]string{"url": u})
		for range 20 {
			if cur := wd.currentURL(); strings.HasPrefix(cur, u) {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		if time.Now().After(deadline) {
			wd.t.Fatalf("browser: navigating to %s, still at %s", u, wd.currentURL())
		}
	}
}

func (wd *webDriver) currentURL() string {
	wd.t.Helper()
	var s string
	json.Unmarshal(wd.call("GET", "/url", nil), &s)
	return s
}

// find returns the id of the first element matching the CSS selector.
func (wd *webDriver) find(css string) string {
	wd.t.Helper()
	v, err := wdCall("POST", wd.base+"/element", map[string]string{"using": "css selector", "value": css})
	if err != nil {
		var src string
		json.Unmarshal(wd.call("GET", "/source", nil), &src)
		wd.t.Fatalf("browser at %s: no element %q:\n%.1500s", wd.currentURL(), css, src)
	}
	var el map[string]string
	json.Unmarshal(v, &el)
	for _, id := range el { // the key is the W3C element identifier
		return id
	}
	wd.t.Fatalf("no element %q: %s", css, v)
	return ""
}

func (wd *webDriver) typeInto(css, text string) {
	wd.t.Helper()
	wd.call("POST", "/element/"+wd.find(css)+"/value", map[string]string{"text": text})
}

func (wd *webDriver) click(css string) {
	wd.t.Helper()
	wd.call("POST", "/element/"+wd.find(css)+"/click", map[string]any{})
}

// waitText waits until the element matching css holds want (the page may still be
// navigating after a click), and fails with the page's last text otherwise.
func (wd *webDriver) waitText(css, want string) {
	wd.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	last := ""
	for {
		v, err := wdCall("POST", wd.base+"/element", map[string]string{"using": "css selector", "value": css})
		var el map[string]string
		if err == nil && json.Unmarshal(v, &el) == nil {
			for _, id := range el {
				if tv, err := wdCall("GET", wd.base+"/element/"+id+"/text", nil); err == nil {
					json.Unmarshal(tv, &last)
				}
			}
		}
		if last == want {
			return
		}
		if time.Now().After(deadline) {
			wd.t.Fatalf("browser at %s: %s holds %q, want %q", wd.currentURL(), css, last, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitURL waits until the current URL satisfies ok.
func (wd *webDriver) waitURL(what string, ok func(string) bool) {
	wd.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		u := wd.currentURL()
		if ok(u) {
			return
		}
		if time.Now().After(deadline) {
			wd.t.Fatalf("browser: waiting for %s, still at %s", what, u)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestE2EBrowserAdminLogin: headless Chromium logs in on the Django admin's login page of
// the newest Django in the matrix, then loads the Go page (examples/sharedlogin), which
// greets the user by name; the Go page's logout button logs the admin out.
func TestE2EBrowserAdminLogin(t *testing.T) {
	versions := e2eVersions(t)
	v := versions[len(versions)-1]
	browserBin, driverBin := findChromium(t)
	bin := buildExample(t)
	v.prepareTemplate(t)
	dj, goURL := e2eExampleEnv(t, v, bin)
	wd := startWebDriver(t, browserBin, driverBin)

	wd.open(goURL + "/")
	wd.waitText("#greeting", "Hello, anonymous visitor.")
	wd.open(dj.URL + "/admin/login/?next=/admin/")
	wd.typeInto("#id_username", "alice")
	wd.typeInto("#id_password", "alice-pw-1")
	wd.click(`#login-form [type="submit"]`)
	wd.waitURL("the admin index", func(u string) bool {
		return strings.HasSuffix(u, "/admin/") && strings.HasPrefix(u, dj.URL)
	})

	wd.open(goURL + "/")
	wd.waitText("#greeting", "Hello, alice!")

	wd.click(`form[action="/logout"] button`)
	wd.waitText("#greeting", "Hello, anonymous visitor.")
	wd.open(dj.URL + "/admin/")
	wd.waitURL("the admin login page", func(u string) bool { return strings.Contains(u, "/admin/login/") })
}
