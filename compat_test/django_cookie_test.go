package compat_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/serializer"
)

// mwFixtures is fixtures/cookies/django-<series>.json (scripts/gen_cookie_fixtures.py).
type mwFixtures struct {
	Series      string
	Django      string                     `json:"django"`
	Python      string                     `json:"python"`
	Time        float64                    `json:"time"`
	TimeZone    string                     `json:"time_zone"`
	SecretKey   string                     `json:"secret_key"`
	ExistingKey string                     `json:"existing_key"`
	Cfgs        map[string]json.RawMessage `json:"cfgs"`
	Quote       []struct {
		Value  string `json:"value"`
		Output string `json:"output"`
	} `json:"quote"`
	Cases []mwCase `json:"cases"`
}

// mwCase is one run of SessionMiddleware in Django.
type mwCase struct {
	Name      string            `json:"name"`
	Cfg       string            `json:"cfg"`
	Scenario  string            `json:"scenario"`
	Expiry    string            `json:"expiry"`
	Status    int               `json:"status"`
	PreVary   *string           `json:"pre_vary"`
	Cookie    *string           `json:"cookie"`
	SetCookie *string           `json:"set_cookie"`
	Vary      *string           `json:"vary"`
	Error     *string           `json:"error"`
	KeyAfter  *string           `json:"key_after"`
	Store     map[string]string `json:"store"`
}

func loadMwFixtures(t *testing.T) []*mwFixtures {
	t.Helper()
	files, _ := filepath.Glob("../fixtures/cookies/django-*.json")
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatal("no fixtures/cookies/django-*.json: run scripts/gen-cookie-fixtures")
	}
	var out []*mwFixtures
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc mwFixtures
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		doc.Series = strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "django-"), ".json")
		out = append(out, &doc)
	}
	return out
}

// mwMemStore is the generator's in-memory SessionStore: db-engine semantics, data kept as
// Django's session JSON text. It records the keys it creates, in order, so they can be
// matched with the generator's deterministic "newkey…" keys.
type mwMemStore struct {
	mu      sync.Mutex
	m       map[string]string
	created []string
}

func newMwMemStore() *mwMemStore { return &mwMemStore{m: map[string]string{}} }

func (s *mwMemStore) Load(_ context.Context, key string) (*serializer.Dict, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	text, ok := s.m[key]
	if !ok {
		return nil, false, nil
	}
	v, err := serializer.DecodeJSON([]byte(text))
	if err != nil {
		return nil, false, err
	}
	return v.Dict(), true, nil
}

func (s *mwMemStore) Exists(_ context.Context, key string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[key]
	return ok, nil
}

func (s *mwMemStore) Save(_ context.Context, key string, data *serializer.Dict, mustCreate bool) error {
	text, err := serializer.EncodeJSON(serializer.DictValue(data))
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, exists := s.m[key]
	if mustCreate && exists {
		return engines.ErrCreate
	}
	if !mustCreate && !exists {
		return engines.ErrUpdate
	}
	if mustCreate {
		s.created = append(s.created, key)
	}
	s.m[key] = string(text)
	return nil
}

func (s *mwMemStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}

func (s *mwMemStore) ClearExpired(context.Context) error { return nil }

// rename maps the keys the store created to the generator's newkey<26 digits> keys.
func (s *mwMemStore) rename(text string) string {
	for i, k := range s.created {
		text = strings.ReplaceAll(text, k, fmt.Sprintf("newkey%026d", i+1))
	}
	return text
}

// mwSettings builds the Go settings of a fixture configuration, through
// SettingsFromJSON as a Django project's export would.
func mwSettings(t *testing.T, doc *mwFixtures, cfg string) django.Settings {
	t.Helper()
	var over map[string]any
	if err := json.Unmarshal(doc.Cfgs[cfg], &over); err != nil {
		t.Fatal(err)
	}
	over["SECRET_KEY"] = doc.SecretKey
	over["TIME_ZONE"] = doc.TimeZone
	js, _ := json.Marshal(map[string]any{"django_version": doc.Django, "settings": over})
	s, err := django.SettingsFromJSON(js)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// mwUnixFloat is the time T + offset seconds, T being a float Unix time.
func mwUnixFloat(t float64) time.Time {
	sec := math.Floor(t)
	return time.Unix(int64(sec), int64(math.Round((t-sec)*1e6))*1000).UTC()
}

// TestDjangoMiddlewareMatchesDjango runs the middleware over the generator's grid and
// requires Django's Set-Cookie and Vary headers byte for byte, the same error, the same
// final key and the same stored sessions, for every Django version.
func TestDjangoMiddlewareMatchesDjango(t *testing.T) {
	for _, doc := range loadMwFixtures(t) {
		t.Run(doc.Series, func(t *testing.T) {
			settingsOf := map[string]django.Settings{}
			for cfg := range doc.Cfgs {
				settingsOf[cfg] = mwSettings(t, doc, cfg)
			}
			failed := 0
			for _, c := range doc.Cases {
				if err := runMwCase(doc, c, settingsOf[c.Cfg]); err != nil {
					failed++
					if failed <= 25 {
						t.Errorf("%s: %v", c.Name, err)
					}
				}
			}
			if failed > 0 {
				t.Errorf("Django %s: %d of %d cases differ", doc.Django, failed, len(doc.Cases))
			} else {
				t.Logf("Django %s (Python %s): %d cases identical", doc.Django, doc.Python, len(doc.Cases))
			}
		})
	}
}

func runMwCase(doc *mwFixtures, c mwCase, s django.Settings) error {
	ctx := context.Background()
	now := mwUnixFloat(doc.Time)
	s.Now = func() time.Time { return now }
	store := newMwMemStore()
	s.SessionEngine = store
	exp, err := s.Expiry()
	if err != nil {
		return err
	}
	data := serializer.NewDict()
	data.Set("a", serializer.Int(1))
	switch {
	case strings.HasPrefix(c.Expiry, "stored_600"):
		data.Set("_session_expiry", serializer.Int(600))
	case c.Expiry == "stored_0":
		data.Set("_session_expiry", serializer.Int(0))
	case c.Expiry == "stored_iso":
		data.Set("_session_expiry", serializer.Str(exp.FormatISO(mwUnixFloat(doc.Time+172800))))
	case c.Expiry == "stored_iso_past":
		data.Set("_session_expiry", serializer.Str(exp.FormatISO(mwUnixFloat(doc.Time-100))))
	}
	if err := store.Save(ctx, doc.ExistingKey, data, true); err != nil {
		return err
	}
	store.created = nil
	m, err := django.NewMiddleware(s)
	if err != nil {
		return err
	}
	var sess *django.Session
	var handlerErr error
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess = django.FromContext(r.Context())
		handlerErr = mwScenario(ctx, c, sess, store, doc)
		if handlerErr == nil {
			handlerErr = mwExpiry(c, sess, doc)
		}
		if c.PreVary != nil {
			w.Header()["Vary"] = []string{*c.PreVary}
		}
		w.WriteHeader(c.Status)
	}))
	req := httptest.NewRequest("GET", "/", nil)
	if c.Cookie != nil {
		req.Header["Cookie"] = []string{*c.Cookie}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if handlerErr != nil {
		return fmt.Errorf("handler: %w", handlerErr)
	}
	res := rec.Result()
	if c.Error != nil {
		if *c.Error != "SessionInterrupted" || res.StatusCode != http.StatusBadRequest {
			return fmt.Errorf("Django raised %s; Go answered %d", *c.Error, res.StatusCode)
		}
		if sc := res.Header["Set-Cookie"]; len(sc) != 0 {
			return fmt.Errorf("Django raised %s; Go set %q", *c.Error, sc)
		}
	} else {
		if res.StatusCode != c.Status {
			return fmt.Errorf("status %d, want %d", res.StatusCode, c.Status)
		}
		var got *string
		if sc := res.Header["Set-Cookie"]; len(sc) > 1 {
			return fmt.Errorf("%d Set-Cookie headers: %q", len(sc), sc)
		} else if len(sc) == 1 {
			v := store.rename(sc[0])
			got = &v
		}
		if d := mwDiff(got, c.SetCookie); d != "" {
			return fmt.Errorf("Set-Cookie %s", d)
		}
		var vary *string
		if v, ok := res.Header["Vary"]; ok {
			j := strings.Join(v, ", ")
			vary = &j
		}
		if d := mwDiff(vary, c.Vary); d != "" {
			return fmt.Errorf("Vary %s", d)
		}
	}
	var key *string
	if k := sess.Key(); k != "" {
		k = store.rename(k)
		key = &k
	}
	if d := mwDiff(key, c.KeyAfter); d != "" {
		return fmt.Errorf("key after %s", d)
	}
	got := map[string]string{}
	for k, v := range store.m {
		got[store.rename(k)] = v
	}
	if len(got) != len(c.Store) {
		return fmt.Errorf("store %v, Django %v", got, c.Store)
	}
	for k, v := range c.Store {
		if got[k] != v {
			return fmt.Errorf("store[%s] = %q, Django %q", k, got[k], v)
		}
	}
	return nil
}

func mwDiff(got, want *string) string {
	switch {
	case got == nil && want == nil:
		return ""
	case got == nil:
		return fmt.Sprintf("absent, Django %q", *want)
	case want == nil:
		return fmt.Sprintf("%q, Django sent none", *got)
	case *got != *want:
		return fmt.Sprintf("\n  go:     %q\n  django: %q", *got, *want)
	}
	return ""
}

// mwScenario does on the Go session what the generator's scenario did on
// request.session.
func mwScenario(ctx context.Context, c mwCase, s *django.Session, st *mwMemStore, doc *mwFixtures) error {
	switch c.Scenario {
	case "untouched_nocookie", "untouched", "missing_untouched", "short_cookie", "empty_cookie":
	case "read_nocookie", "read", "missing_read":
		s.Get("a")
	case "set_nocookie", "missing_set":
		s.Set("x", serializer.Str("1"))
	case "testcookie_nocookie":
		s.SetTestCookie()
	case "flush_nocookie", "flush":
		return s.Flush(ctx)
	case "set":
		s.Set("b", serializer.Int(2))
	case "delete":
		s.Delete("a")
	case "pop_missing":
		s.Pop("zz")
	case "setdefault":
		s.SetDefault("c", serializer.List(serializer.Int(1), serializer.Int(2)))
	case "clear":
		s.Clear()
	case "cycle":
		return s.CycleKey(ctx)
	case "flush_set":
		if err := s.Flush(ctx); err != nil {
			return err
		}
		s.Set("y", serializer.Int(1))
	case "interrupted":
		s.Set("b", serializer.Int(2))
		return st.Delete(ctx, doc.ExistingKey)
	default:
		return fmt.Errorf("unknown scenario %q", c.Scenario)
	}
	return nil
}

// mwExpiry makes the generator's set_expiry call of the case, if any.
func mwExpiry(c mwCase, s *django.Session, doc *mwFixtures) error {
	switch c.Expiry {
	case "call_300", "call_0", "call_neg":
		n, _ := strconv.Atoi(map[string]string{"call_300": "300", "call_0": "0", "call_neg": "-10"}[c.Expiry])
		return s.SetExpiry(n)
	case "call_none", "stored_600_call_none":
		return s.SetExpiry(nil)
	case "call_delta":
		return s.SetExpiry(time.Duration(3600.25 * float64(time.Second)))
	case "call_abs":
		return s.SetExpiry(mwUnixFloat(doc.Time + 3*86400 + 0.5))
	}
	return nil
}

// TestDjangoCookieQuotingMatchesPython holds QuoteCookieValue against Python's
// http.cookies, as each fixture's Python printed it.
func TestDjangoCookieQuotingMatchesPython(t *testing.T) {
	n := 0
	for _, doc := range loadMwFixtures(t) {
		for _, q := range doc.Quote {
			got := django.Cookie{Name: "n", Value: q.Value}.String()
			if got != q.Output {
				t.Errorf("Python %s: %q -> %q, want %q", doc.Python, q.Value, got, q.Output)
			}
			if back := django.UnquoteCookieValue(django.QuoteCookieValue(q.Value)); back != q.Value {
				t.Errorf("unquote(quote(%q)) = %q", q.Value, back)
			}
			n++
		}
	}
	t.Logf("%d quoting cases identical", n)
}
