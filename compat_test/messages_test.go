package compat_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/django/messages"
	"github.com/djsession/djsession/engines/signedcookies"
	"github.com/djsession/djsession/serializer"
)

// msgCase is one request through the messages framework, as scripts/peer_ops_messages.py
// runs it in Django (its op "messages_run") and runMessagesGo runs it in Go; the fixtures
// of fixtures/messages hold such cases with Django's results.
type msgCase struct {
	Settings map[string]any `json:"settings"`
	Time     float64        `json:"time"`
	Cookie   *string        `json:"cookie"`
	Session  *string        `json:"session"`
	Ops      [][]any        `json:"ops"`
}

func (c msgCase) request() map[string]any {
	return map[string]any{"op": "messages_run", "settings": c.Settings, "time": c.Time, "cookie": c.Cookie,
		"session": c.Session, "ops": c.Ops}
}

// msgFields is a message as the peer reports it: level, message, extra_tags (nil for
// None), safe, and with full also tags and level_tag.
func msgFields(m messages.Message, full bool) []any {
	var tags any = m.ExtraTags
	if m.NoExtraTags {
		tags = nil
	}
	out := []any{m.Level, m.Message, tags, m.Safe}
	if full {
		out = append(out, m.Tags(), m.LevelTag)
	}
	return out
}

// runMessagesGo runs c in Go under Django version, with the result in the peer's shape
// (normalized through JSON, as the peer's answer is).
func runMessagesGo(t *testing.T, version string, c msgCase) map[string]any {
	t.Helper()
	s := messageSettings(t, version, c.Settings)
	now := time.UnixMicro(int64(c.Time * 1e6))
	s.Now = func() time.Time { return now }
	s.Logger = slog.New(slog.DiscardHandler)
	opts, err := s.EngineOptions()
	if err != nil {
		t.Fatal(err)
	}
	store, err := signedcookies.New(signedcookies.Config{SecretKey: s.SecretKey, SecretKeyFallbacks: s.SecretKeyFallbacks}, opts)
	if err != nil {
		t.Fatal(err)
	}
	s.SessionEngine = store
	ctx := context.Background()
	key := ""
	if c.Session != nil {
		v, err := serializer.DecodeJSONText(*c.Session)
		if err != nil {
			t.Fatal(err)
		}
		if key, err = store.Encode(v.Dict()); err != nil {
			t.Fatal(err)
		}
	}
	sess, err := django.NewSession(ctx, s, key)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/", nil)
	if c.Cookie != nil {
		req.Header.Set("Cookie", *c.Cookie)
	}
	req = req.WithContext(django.NewContext(ctx, sess))
	mw, err := messages.NewMiddleware(s)
	if err != nil {
		t.Fatal(err)
	}
	st, err := mw.NewStorage(req)
	if err != nil {
		t.Fatal(err)
	}
	results := []any{}
	for _, op := range c.Ops {
		switch op[0] {
		case "add":
			m := messages.Message{Level: asInt(op[1]), Message: op[2].(string), Safe: op[4].(bool)}
			if op[3] == nil {
				m.NoExtraTags = true
			} else {
				m.ExtraTags = op[3].(string)
			}
			st.AddMessage(m)
			results = append(results, nil)
		case "iter":
			list := []any{}
			for _, m := range st.Messages() {
				list = append(list, msgFields(m, true))
			}
			results = append(results, list)
		case "len":
			results = append(results, st.Len())
		case "set_level":
			st.SetLevel(asInt(op[1]))
			results = append(results, nil)
		case "reset_level":
			st.ResetLevel()
			results = append(results, nil)
		case "get_level":
			results = append(results, st.Level())
		default:
			t.Fatalf("unknown op %v", op)
		}
	}
	rec := httptest.NewRecorder()
	unstored, err := st.Update(rec)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{"results": results, "set_cookie": nil, "accessed": sess.Accessed(),
		"modified": sess.Modified(), "unstored": []any{}, "debug_error": nil}
	for _, line := range rec.Header()["Set-Cookie"] {
		if strings.HasPrefix(line, messages.CookieName+"=") {
			out["set_cookie"] = line
		}
	}
	data, err := serializer.EncodeJSON(serializer.DictValue(sess.Data()))
	if err != nil {
		t.Fatal(err)
	}
	out["session"] = string(data)
	for _, m := range unstored {
		out["unstored"] = append(out["unstored"].([]any), msgFields(m, false))
	}
	if len(unstored) > 0 && s.Debug {
		out["debug_error"] = "ValueError"
	}
	return normalizeJSON(t, out)
}

// messageSettings reads the peer's settings for Django version as SettingsFromJSON does.
func messageSettings(t *testing.T, version string, settings map[string]any) django.Settings {
	t.Helper()
	doc, _ := json.Marshal(map[string]any{"django_version": version, "settings": settings})
	s, err := django.SettingsFromJSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// normalizeJSON returns v as encoding/json reads it back (numbers as float64, ...), and
// the peer's null "unstored" (update did nothing) as an empty list, which Go does not
// tell apart.
func normalizeJSON(t *testing.T, v map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	delete(out, "ok")
	if out["unstored"] == nil {
		out["unstored"] = []any{}
	}
	return out
}

// nextCookie is the Cookie header a browser sends after a response whose messages
// Set-Cookie is setCookie (nil: unchanged from cookie).
func nextCookie(cookie *string, setCookie any) *string {
	sc, ok := setCookie.(string)
	if !ok {
		return cookie
	}
	pair, _, _ := strings.Cut(sc, "; ")
	if pair == messages.CookieName+`=""` || pair == messages.CookieName+"=" {
		return nil
	}
	return &pair
}

// asInt reads a level of an op, made in Go (int) or read from JSON (float64).
func asInt(v any) int {
	if f, ok := v.(float64); ok {
		return int(f)
	}
	return v.(int)
}

// TestMessagesFixtures replays fixtures/messages/django-<series>.json (written by
// scripts/gen_messages_fixtures.py under each Django version: 160 requests through
// Django's message storages, in chains) through package messages: every request must give
// what Django gave.
func TestMessagesFixtures(t *testing.T) {
	eachFixture(t, "messages", "scripts/gen-messages-fixtures", func(t *testing.T, data []byte) {
		var doc struct {
			Django string
			Cases  []struct {
				Name    string
				Request msgCase
				Result  map[string]any
			}
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Cases) < 100 {
			t.Fatalf("only %d cases", len(doc.Cases))
		}
		for _, c := range doc.Cases {
			want := normalizeJSON(t, c.Result)
			if d := cmp.Diff(want, runMessagesGo(t, doc.Django, c.Request)); d != "" {
				t.Errorf("%s: Go differs from Django %s (-django +go):\n%s", c.Name, doc.Django, d)
			}
		}
	})
}

// eachFixture runs f in a subtest for each fixtures/<dir>/django-<series>.json, with the
// file's bytes; regen names the command that writes them.
func eachFixture(t *testing.T, dir, regen string, f func(t *testing.T, data []byte)) {
	files, _ := filepath.Glob("../fixtures/" + dir + "/django-*.json")
	if len(files) == 0 {
		t.Fatalf("no fixtures/%s/django-*.json: run %s", dir, regen)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			f(t, data)
		})
	}
}
