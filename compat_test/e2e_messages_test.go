package compat_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/djsession/djsession/django/messages"
)

// TestE2EMessages: for every Django version and each MESSAGE_STORAGE, a real Django site
// (scripts/djangoapp, with Django's MessageMiddleware) and a Go service behind
// messages.Middleware share the messages of one browser over HTTP: messages Django adds
// are shown once by Go, messages Go adds are shown once by Django, messages both add
// before either shows them come out in order, and more long messages than the cookie
// holds go over (into the session, under FallbackStorage) or are cut as Django cuts them
// (CookieStorage keeps the newest).
func TestE2EMessages(t *testing.T) {
	for _, v := range e2eVersions(t) {
		t.Run(v.Series, func(t *testing.T) {
			t.Parallel()
			v.prepareTemplate(t)
			for _, storage := range []string{messages.FallbackStorage, messages.CookieStorage, messages.SessionStorage} {
				t.Run(storage[strings.LastIndexByte(storage, '.')+1:], func(t *testing.T) {
					runE2EMessages(t, v, storage)
				})
			}
		})
	}
}

// e2eMessage is a message as both sides' /messages endpoints list it.
type e2eMessage struct {
	Level     int
	Message   string
	Tags      string
	ExtraTags *string `json:"extra_tags"`
	Safe      bool
}

func runE2EMessages(t *testing.T, v *e2eVersion, storage string) {
	setup := e2eDBSQLite(t, v)
	keys := e2eKeys{Key: "djsession-e2e-messages-" + v.Series + "-0123456789abcdef"}
	env := keys.env()
	for k, val := range setup.env {
		env[k] = val
	}
	env["MESSAGE_STORAGE"] = storage
	dj := startDjango(t, v, env)
	g := newGoService(t)
	s := e2eSettings(t, v, keys)
	s.MessageStorage = storage
	s.SessionEngine = setup.newStore(t, &s)
	g.configure(t, s, setup.users)
	b := newBrowser(t, "messages")

	list := func(base string) []e2eMessage {
		t.Helper()
		path := "/messages"
		if base == dj.URL {
			path = "/messages/"
		}
		status, _, body := b.do("GET", base+path, nil)
		var out struct{ Messages []e2eMessage }
		if status != http.StatusOK || json.Unmarshal(body, &out) != nil {
			t.Fatalf("GET %s%s: %d %.500s", base, path, status, body)
		}
		return out.Messages
	}
	add := func(base string, level int, tags string, safe bool, texts ...string) {
		t.Helper()
		form := url.Values{"level": {fmt.Sprint(level)}, "tags": {tags}, "text": texts}
		if safe {
			form.Set("safe", "1")
		}
		path := "/messages/add"
		if base == dj.URL {
			path = "/messages/add/"
		}
		if status, _, body := b.do("POST", base+path, form); status != http.StatusOK {
			t.Fatalf("POST %s%s: %d %.500s", base, path, status, body)
		}
	}
	str := func(s string) *string { return &s }
	tags := func(extra, level string) string { return strings.TrimSpace(extra + " " + level) }
	check := func(what string, got, want []e2eMessage) {
		t.Helper()
		if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("%s (-want +got):\n%s", what, d)
		}
	}

	// Django adds, Go shows once.
	add(dj.URL, messages.SUCCESS, "", false, "Saved on Django ✓")
	add(dj.URL, messages.WARNING, "important", true, "<b>Careful</b>")
	want := []e2eMessage{
		{Level: 25, Message: "Saved on Django ✓", Tags: "success", ExtraTags: str("")},
		{Level: 30, Message: "<b>Careful</b>", Tags: tags("important", "warning"), ExtraTags: str("important"), Safe: true},
	}
	if v.Series == "3.2" {
		want[0].ExtraTags = nil // stored without empty extra tags, read back as None
	}
	check("Go shows Django's messages", list(g.srv.URL), want)
	check("Django after Go showed them", list(dj.URL), nil)

	// Go adds, Django shows once.
	add(g.srv.URL, messages.ERROR, "", false, "Failed on Go", "and again")
	want = []e2eMessage{
		{Level: 40, Message: "Failed on Go", Tags: "error", ExtraTags: str("")},
		{Level: 40, Message: "and again", Tags: "error", ExtraTags: str("")},
	}
	if v.Series == "3.2" {
		want[0].ExtraTags, want[1].ExtraTags = nil, nil
	}
	check("Django shows Go's messages", list(dj.URL), want)
	check("Go after Django showed them", list(g.srv.URL), nil)

	// Both add before either shows: in order, once.
	add(dj.URL, messages.INFO, "", false, "first, from Django")
	add(g.srv.URL, messages.INFO, "x", false, "second, from Go")
	add(dj.URL, messages.DEBUG, "", false, "below MESSAGE_LEVEL: dropped")
	got := list(g.srv.URL)
	if len(got) != 2 || got[0].Message != "first, from Django" || got[1].Message != "second, from Go" || got[1].Tags != "x info" {
		t.Fatalf("messages added on both sides: %+v", got)
	}
	check("Django after Go showed both", list(dj.URL), nil)

	// More than the cookie holds, each way.
	long := make([]string, 8)
	for i := range long {
		long[i] = fmt.Sprintf("%d:%s", i, e2eNoise(i, 400))
	}
	for _, dir := range []struct{ from, to string }{{dj.URL, g.srv.URL}, {g.srv.URL, dj.URL}} {
		add(dir.from, messages.INFO, "", false, long...)
		got := list(dir.to)
		var texts []string
		for _, m := range got {
			texts = append(texts, m.Message)
		}
		want := long
		if storage == messages.CookieStorage {
			// The oldest are dropped until the newest fit in 2048 characters.
			if len(texts) < 2 || len(texts) >= len(long) {
				t.Fatalf("%s -> %s: %d of 8 long messages through the cookie", dir.from, dir.to, len(texts))
			}
			want = long[len(long)-len(texts):]
		}
		if d := cmp.Diff(want, texts); d != "" {
			t.Fatalf("%s -> %s: long messages (-want +got):\n%s", dir.from, dir.to, d)
		}
		check("the other side after they were shown", list(dir.from), nil)
	}
}

// e2eNoise is n characters that compress poorly.
func e2eNoise(seed, n int) string {
	var b strings.Builder
	x := uint32(seed*2654435761 + 12345)
	for range n {
		x = x*1103515245 + 12345
		b.WriteByte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[(x>>16)%62])
	}
	return b.String()
}
