package compat_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/file"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

// Live tests of engines/file: Go and a real Django of every version in the matrix share
// one session directory through Django's own file engine (scripts/peer_ops_file.py).

const fileZone = "America/Chicago" // TIME_ZONE given to Django for USE_TZ = False

// fileEnv is one shared directory with matching Go and Django settings.
type fileEnv struct {
	t         *testing.T
	p         *peer
	dir       string
	useTZ     bool
	cookieAge int
	store     *file.Store
	now       time.Time
	warnings  *recorder
}

func newFileEnv(t *testing.T, p *peer, useTZ bool, cookieAge int, now time.Time) *fileEnv {
	t.Helper()
	e := &fileEnv{t: t, p: p, dir: t.TempDir(), useTZ: useTZ, cookieAge: cookieAge, now: now, warnings: &recorder{}}
	e.store = e.goStore(e.dir)
	return e
}

func (e *fileEnv) goStore(dir string) *file.Store {
	e.t.Helper()
	loc, err := time.LoadLocation(fileZone)
	if err != nil {
		e.t.Fatal(err)
	}
	clock := func() time.Time { return e.now }
	legacy := e.p.Series == "3.2" // Django 3.1/3.2 also read the pre-3.1 format and SHA-1
	codec, err := session.NewCodec(session.Config{SecretKey: liveKey, Now: clock, Logger: slog.New(e.warnings),
		AcceptLegacy: legacy, AcceptSHA1: legacy})
	if err != nil {
		e.t.Fatal(err)
	}
	s, err := file.New(file.Config{Path: dir}, engines.Options{
		Codec:  codec,
		Expiry: session.Expiry{CookieAge: e.cookieAge, NaiveTimes: !e.useTZ, Location: loc},
		Now:    clock,
		Logger: slog.New(e.warnings),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *fileEnv) settings(dir string) map[string]any {
	s := map[string]any{"SESSION_FILE_PATH": dir, "SECRET_KEY": liveKey, "USE_TZ": e.useTZ, "TIME_ZONE": fileZone}
	if e.cookieAge != 0 {
		s["SESSION_COOKIE_AGE"] = e.cookieAge
	}
	return s
}

func unixFloat(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// django sends op with the env's settings and clock.
func (e *fileEnv) django(op string, req map[string]any) map[string]any {
	e.t.Helper()
	req["op"] = op
	if req["settings"] == nil {
		req["settings"] = e.settings(e.dir)
	}
	req["time"] = unixFloat(e.now)
	return e.p.call(e.t, req)
}

func (e *fileEnv) djangoOK(op string, req map[string]any) map[string]any {
	e.t.Helper()
	resp := e.django(op, req)
	if ok, _ := resp["ok"].(bool); !ok {
		e.t.Fatalf("Django %s %s: %v: %v", e.p.Series, op, resp["error"], resp["message"])
	}
	return resp
}

func jsonOf(t *testing.T, d *serializer.Dict) string {
	t.Helper()
	if d == nil {
		d = serializer.NewDict()
	}
	js, err := serializer.EncodeJSON(serializer.DictValue(d))
	if err != nil {
		t.Fatal(err)
	}
	return string(js)
}

func (e *fileEnv) path(key string) string { return filepath.Join(e.dir, "sessionid"+key) }

func TestLiveFileEngine(t *testing.T) {
	for _, p := range livePeers(t) {
		for _, useTZ := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/USE_TZ=%v", p.Series, useTZ), func(t *testing.T) {
				ctx := context.Background()
				e := newFileEnv(t, p, useTZ, 0, time.Now())
				r := rand.New(rand.NewPCG(7, uint64(len(p.Series))))
				for i := 0; i < 20; i++ {
					d := randomSession(r)
					js := jsonOf(t, d)

					// Django creates → Go loads equal data; the file holds Django's exact
					// encoded string.
					dj := e.djangoOK("file_save", map[string]any{"json": js})
					key := dj["key"].(string)
					raw, err := os.ReadFile(e.path(key))
					if err != nil || string(raw) != dj["content"] {
						t.Fatalf("case %d: file content %q, Django wrote %q (%v)", i, raw, dj["content"], err)
					}
					got, ok, err := e.store.Load(ctx, key)
					if err != nil || !ok || jsonOf(t, got) != js {
						t.Fatalf("case %d: Go loaded Django's session as %v %v %v, want %s", i, got, ok, err, js)
					}

					// Go updates Django's session → Django sees exactly that.
					d2 := randomSession(r)
					if err := e.store.Save(ctx, key, d2, false); err != nil {
						t.Fatal(err)
					}
					back := e.djangoOK("file_load", map[string]any{"key": key})
					if back["json"] != jsonOf(t, d2) || back["key_after"] != key {
						t.Fatalf("case %d: Django loaded Go's update as %v (key %v), want %s", i, back["json"], back["key_after"], jsonOf(t, d2))
					}

					// Go creates → Django loads; Django updates → Go loads.
					gk, err := engines.Create(ctx, e.store, d)
					if err != nil {
						t.Fatal(err)
					}
					back = e.djangoOK("file_load", map[string]any{"key": gk})
					if back["json"] != js || back["key_after"] != gk {
						t.Fatalf("case %d: Django loaded Go's new session as %v, want %s", i, back["json"], js)
					}
					e.djangoOK("file_save", map[string]any{"key": gk, "json": jsonOf(t, d2)})
					got, ok, _ = e.store.Load(ctx, gk)
					if !ok || jsonOf(t, got) != jsonOf(t, d2) {
						t.Fatalf("case %d: Go loaded Django's update as %v", i, got)
					}

					// Must-create on a taken key fails on both sides.
					if err := e.store.Save(ctx, key, d, true); !errors.Is(err, engines.ErrCreate) {
						t.Fatalf("Go must-create on Django's key: %v", err)
					}
					if resp := e.django("file_save", map[string]any{"key": gk, "json": "{}", "must_create": true}); resp["error"] != "CreateError" {
						t.Fatalf("Django must-create on Go's key: %v", resp)
					}

					// Deletes, both ways; updates of a deleted session fail on both sides.
					if err := e.store.Delete(ctx, key); err != nil {
						t.Fatal(err)
					}
					if ex := e.djangoOK("file_exists", map[string]any{"key": key}); ex["exists"] != false {
						t.Fatalf("Django still sees the session Go deleted")
					}
					back = e.djangoOK("file_load", map[string]any{"key": key})
					if back["json"] != "{}" || back["key_after"] != nil {
						t.Fatalf("Django loaded a deleted session: %v", back)
					}
					if resp := e.django("file_save", map[string]any{"key": key, "json": "{}"}); resp["error"] != "UpdateError" {
						t.Fatalf("Django update of deleted session: %v", resp)
					}
					e.djangoOK("file_delete", map[string]any{"key": gk})
					if ex, err := e.store.Exists(ctx, gk); ex || err != nil {
						t.Fatalf("Go still sees the session Django deleted: %v", err)
					}
					if err := e.store.Save(ctx, gk, d, false); !errors.Is(err, engines.ErrUpdate) {
						t.Fatalf("Go update of deleted session: %v", err)
					}
				}
				left, _ := os.ReadDir(e.dir)
				if len(left) != 0 {
					t.Fatalf("%d files left, e.g. %s", len(left), left[0].Name())
				}
			})
		}
	}
}

// expiryCase is a session file at a given mtime; both engines must agree on whether it is
// still alive at the env's clock.
type expiryCase struct {
	name  string
	data  *serializer.Dict
	mtime time.Duration // relative to now
	alive bool
	iso   bool // needs Django 4.1+ (ISO strings)
}

func expiryCases(e *fileEnv, age time.Duration) []expiryCase {
	exp := session.Expiry{NaiveTimes: !e.useTZ}
	if loc, err := time.LoadLocation(fileZone); err == nil {
		exp.Location = loc
	}
	with := func(v serializer.Value) *serializer.Dict {
		d := serializer.NewDict()
		d.Set("k", serializer.Str("v"))
		d.Set(session.ExpiryKey, v)
		return d
	}
	iso := func(d time.Duration) serializer.Value { return serializer.Str(exp.FormatISO(e.now.Add(d))) }
	plain := serializer.NewDict()
	plain.Set("k", serializer.Str("v"))
	return []expiryCase{
		{"default fresh", plain, -age + 5*time.Second, true, false},
		{"default old", plain, -age - 5*time.Second, false, false},
		{"default just now", plain, 0, true, false},
		{"zero uses mtime, fresh", with(serializer.Int(0)), -age + 5*time.Second, true, false},
		{"zero uses mtime, old", with(serializer.Int(0)), -age - 5*time.Second, false, false},
		{"int never expires by age", with(serializer.Int(300)), -100 * age, true, false},
		{"int one", with(serializer.Int(1)), -100 * age, true, false},
		{"negative int", with(serializer.Int(-5)), 0, false, false},
		{"none uses mtime", with(serializer.None()), -age - 5*time.Second, false, false},
		{"iso future", with(iso(90 * time.Second)), -100 * age, true, true},
		{"iso future sub-second", with(iso(1500 * time.Millisecond)), 0, true, true},
		{"iso under a second", with(iso(700 * time.Millisecond)), 0, false, true},
		{"iso past", with(iso(-time.Hour)), 0, false, true},
	}
}

func TestLiveFileExpiry(t *testing.T) {
	for _, p := range livePeers(t) {
		for _, useTZ := range []bool{true, false} {
			for _, cookieAge := range []int{0, 3600} {
				t.Run(fmt.Sprintf("%s/USE_TZ=%v/age=%d", p.Series, useTZ, cookieAge), func(t *testing.T) {
					ctx := context.Background()
					e := newFileEnv(t, p, useTZ, cookieAge, time.Unix(1700000000, 250_000_000))
					age := time.Duration(cookieAge) * time.Second
					if cookieAge == 0 {
						age = session.DefaultCookieAge * time.Second
					}
					iso := p.Series != "3.2"
					for _, c := range expiryCases(e, age) {
						if c.iso && !iso {
							continue
						}
						// Two identical files: one for Django to load, one for Go.
						kd, kg := engines.NewKey(), engines.NewKey()
						if err := e.store.Save(ctx, kd, c.data, true); err != nil {
							t.Fatal(err)
						}
						raw, _ := os.ReadFile(e.path(kd))
						os.WriteFile(e.path(kg), raw, 0o600)
						mt := e.now.Add(c.mtime)
						os.Chtimes(e.path(kd), mt, mt)
						os.Chtimes(e.path(kg), mt, mt)

						dj := e.djangoOK("file_load", map[string]any{"key": kd, "no_create": true})
						djAlive := dj["json"] != "{}"
						djFile := dj["exists_after"] == true
						got, ok, err := e.store.Load(ctx, kg)
						if err != nil {
							t.Fatalf("%s: Go: %v", c.name, err)
						}
						_, statErr := os.Stat(e.path(kg))
						goFile := statErr == nil
						if djAlive != ok || djFile != goFile || djAlive != djFile {
							t.Errorf("%s: alive Django %v (file %v), Go %v (file %v)", c.name, djAlive, djFile, ok, goFile)
						}
						// With USE_TZ = False, Django's naive arithmetic ignores the DST change
						// of 5 November 2023 inside the 14-day window: an hour's grace.
						dst := !useTZ && cookieAge == 0 && c.mtime < -age+time.Hour && c.mtime > -age-time.Hour
						if djAlive != (c.alive || dst) {
							t.Errorf("%s: alive %v, want %v", c.name, djAlive, c.alive || dst)
						}
						if ok && dj["json"] != jsonOf(t, got) {
							t.Errorf("%s: Django %v, Go %s", c.name, dj["json"], jsonOf(t, got))
						}
					}

					// Django's own set_expiry values, read by Go at later times.
					for _, se := range []map[string]any{{"seconds": 60}, {"seconds": 0}, {"at": unixFloat(e.now) + 100.5}} {
						if se["at"] != nil && !iso {
							continue
						}
						dj := e.djangoOK("file_save", map[string]any{"json": `{"a":1}`, "set_expiry": se})
						key := dj["key"].(string)
						got, ok, err := e.store.Load(ctx, key)
						if !ok || err != nil {
							t.Fatalf("set_expiry %v: Go did not load Django's session: %v", se, err)
						}
						v, _ := got.Get(session.ExpiryKey)
						t.Logf("set_expiry %v stored as %v", se, v)
					}
					// Django loading an expired session replaces it with a new empty one
					// (load() calls create()); Go's Load only reports "no session".
					kd := engines.NewKey()
					e.store.Save(ctx, kd, serializer.NewDict(), true)
					old := e.now.Add(-age - 2*time.Hour)
					os.Chtimes(e.path(kd), old, old)
					dj := e.djangoOK("file_load", map[string]any{"key": kd})
					if nk, _ := dj["key_after"].(string); nk == "" || nk == kd {
						t.Errorf("Django kept key %v for an expired session", dj["key_after"])
					}
				})
			}
		}
	}
}

// TestLiveFileClearExpired builds the same directory twice; Django's clear_expired cleans
// one, Go's ClearExpired the other, and the listings must match.
func TestLiveFileClearExpired(t *testing.T) {
	for _, p := range livePeers(t) {
		for _, useTZ := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/USE_TZ=%v", p.Series, useTZ), func(t *testing.T) {
				ctx := context.Background()
				e := newFileEnv(t, p, useTZ, 0, time.Unix(1700000000, 0))
				age := session.DefaultCookieAge * time.Second
				djDir, goDir := e.dir, t.TempDir()
				goStore := e.goStore(goDir)
				write := func(name string, content []byte, mtime time.Time) {
					for _, d := range []string{djDir, goDir} {
						f := filepath.Join(d, name)
						if err := os.WriteFile(f, content, 0o600); err != nil {
							t.Fatal(err)
						}
						os.Chtimes(f, mtime, mtime)
					}
				}
				for i, c := range expiryCases(e, age) {
					if c.iso && p.Series == "3.2" {
						continue
					}
					enc, err := mustCodec(t).Encode(c.data)
					if err != nil {
						t.Fatal(err)
					}
					write(fmt.Sprintf("sessionid%08dabcdefgh", i), []byte(enc), e.now.Add(c.mtime))
				}
				ancient := e.now.Add(-10 * age)
				write("sessionidcorrupt0old", []byte("corrupt"), ancient)              // corrupt and old: deleted by both
				write("sessionidcorrupt0new", []byte("corrupt"), e.now)                // corrupt and fresh: kept
				write("sessionidempty0000old", nil, ancient)                           // empty placeholder: never expires
				write("sessionidshort", []byte("x"), ancient)                          // key too short: ignored
				write("sessionidNOTVALID0", []byte("x"), ancient)                      // invalid characters: ignored
				write("sessionidabcdefgh12_out_xyz", []byte("x"), ancient)             // temp file: ignored
				write("unrelated", []byte("x"), ancient)                               // other prefix: ignored
				write("sessionid"+strings.Repeat("z", 20), []byte("corrupt"), ancient) // valid key, corrupt, old

				resp := e.djangoOK("file_clear_expired", map[string]any{})
				var djFiles []string
				for _, f := range resp["files"].([]any) {
					djFiles = append(djFiles, f.(string))
				}
				if err := goStore.ClearExpired(ctx); err != nil {
					t.Fatal(err)
				}
				entries, _ := os.ReadDir(goDir)
				var goFiles []string
				for _, en := range entries {
					goFiles = append(goFiles, en.Name())
				}
				slices.Sort(goFiles)
				if !slices.Equal(djFiles, goFiles) {
					t.Fatalf("after clear_expired:\n Django %v\n Go     %v", djFiles, goFiles)
				}
				t.Logf("%d files kept by both", len(goFiles))
			})
		}
	}
}

func mustCodec(t *testing.T) *session.Codec {
	t.Helper()
	c, err := session.NewCodec(session.Config{SecretKey: liveKey})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestLiveFileBadInput: hostile keys and content get the same answer from both sides,
// and nothing panics.
func TestLiveFileBadInput(t *testing.T) {
	for _, p := range livePeers(t) {
		t.Run(p.Series, func(t *testing.T) {
			ctx := context.Background()
			e := newFileEnv(t, p, true, 0, time.Now())
			victim := filepath.Join(filepath.Dir(e.dir), "sessionidvictim00")
			os.WriteFile(victim, []byte("x"), 0o600)
			defer os.Remove(victim)
			for _, key := range []string{
				"../sessionidvictim00", "..", "abc/../../etc/passwd", "ABCDEFGHIJKL", "abcdéfghijk",
				"日本語のキーです", "abcdefgh\u0000x", "short", "", strings.Repeat("a", 300), strings.Repeat("9", 5000),
			} {
				dj := e.djangoOK("file_load", map[string]any{"key": key, "no_create": true})
				got, ok, err := e.store.Load(ctx, key)
				if dj["json"] != "{}" || dj["key_after"] != nil || ok || err != nil || got != nil {
					t.Errorf("key %.30q: Django %v, Go %v %v %v", key, dj, got, ok, err)
				}
			}
			if _, err := os.Stat(victim); err != nil {
				t.Fatal("traversal touched a file outside the directory")
			}

			// Corrupted, fresh content: both return no data and keep the file (Django keeps
			// the key too).
			for _, content := range []string{"garbage", "a:b:c", liveKey, ".eJzLSM3JyQcABiwCFQ:1r31eq:bad"} {
				k1, k2 := engines.NewKey(), engines.NewKey()
				os.WriteFile(e.path(k1), []byte(content), 0o600)
				os.WriteFile(e.path(k2), []byte(content), 0o600)
				dj := e.djangoOK("file_load", map[string]any{"key": k1})
				_, ok, err := e.store.Load(ctx, k2)
				if dj["json"] != "{}" || dj["key_after"] != k1 || ok || err != nil {
					t.Errorf("content %q: Django %v, Go %v %v", content, dj, ok, err)
				}
				if goWarned := e.warnings.take(); dj["warning"] != goWarned {
					t.Errorf("content %q: Django warned %v, Go %v", content, dj["warning"], goWarned)
				}
				if _, err := os.Stat(e.path(k2)); err != nil {
					t.Errorf("content %q: Go removed a fresh corrupted file", content)
				}
			}
			// Empty placeholder: no data, the key stays.
			k := engines.NewKey()
			os.WriteFile(e.path(k), nil, 0o600)
			dj := e.djangoOK("file_load", map[string]any{"key": k})
			got, ok, err := e.store.Load(ctx, k)
			if dj["json"] != "{}" || dj["key_after"] != k || !ok || err != nil || got.Len() != 0 {
				t.Errorf("empty file: Django %v, Go %v %v %v", dj, got, ok, err)
			}
			// Non-ASCII content: Django raises UnicodeDecodeError, Go reports ErrCorrupt.
			os.WriteFile(e.path(k), []byte("caf\xc3\xa9"), 0o600)
			if resp := e.django("file_load", map[string]any{"key": k}); resp["error"] != "UnicodeDecodeError" {
				t.Errorf("non-ASCII file: Django %v", resp)
			}
			if _, _, err := e.store.Load(ctx, k); !errors.Is(err, file.ErrCorrupt) {
				t.Errorf("non-ASCII file: Go %v", err)
			}
			// Missing directory: ImproperlyConfigured / an error from New.
			missing := filepath.Join(e.dir, "does-not-exist")
			resp := e.django("file_path", map[string]any{"settings": e.settings(missing)})
			if resp["error"] != "ImproperlyConfigured" {
				t.Errorf("missing directory: Django %v", resp)
			}
			if _, err := file.New(file.Config{Path: missing}, engines.Options{Codec: mustCodec(t)}); err == nil {
				t.Error("missing directory: Go accepted it")
			}
			// Default directory: tempfile.gettempdir() and os.TempDir() agree here.
			def := e.djangoOK("file_path", map[string]any{"settings": map[string]any{"SESSION_FILE_PATH": nil}})
			if s, err := file.New(file.Config{}, engines.Options{Codec: mustCodec(t)}); err != nil || s.Dir() != def["path"] {
				t.Errorf("default directory: Django %v, Go %v %v", def["path"], s.Dir(), err)
			}
		})
	}
}

// take reports whether anything was recorded since the last take, and forgets it.
func (r *recorder) take() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.records)
	r.records = nil
	return n > 0
}

// TestLiveFileNaiveDST: with USE_TZ = False Django compares naive local wall clocks. At
// 01:30 in the repeated hour of the autumn DST change in Chicago, an expiry written as
// naive "01:45" is 15 minutes away for Django, whichever 01:45 it was meant to be.
func TestLiveFileNaiveDST(t *testing.T) {
	for _, p := range livePeers(t) {
		if p.Series == "3.2" {
			continue // ISO expiry strings are 4.1+
		}
		t.Run(p.Series, func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2023, 11, 5, 7, 30, 0, 0, time.UTC) // 01:30 CST, the second 01:30
			e := newFileEnv(t, p, false, 0, now)
			for _, c := range []struct {
				expiry string
				mtime  time.Duration
			}{
				{"2023-11-05T01:45:00", 0}, {"2023-11-05T01:29:59", 0}, {"2023-11-05T01:30:00.500000", 0},
				{"", -session.DefaultCookieAge*time.Second + 30*time.Minute},
				{"", -session.DefaultCookieAge*time.Second - 30*time.Minute},
			} {
				d := serializer.NewDict()
				d.Set("a", serializer.Int(1))
				if c.expiry != "" {
					d.Set(session.ExpiryKey, serializer.Str(c.expiry))
				}
				kd, kg := engines.NewKey(), engines.NewKey()
				e.store.Save(ctx, kd, d, true)
				e.store.Save(ctx, kg, d, true)
				mt := now.Add(c.mtime)
				os.Chtimes(e.path(kd), mt, mt)
				os.Chtimes(e.path(kg), mt, mt)
				dj := e.djangoOK("file_load", map[string]any{"key": kd, "no_create": true})
				_, ok, err := e.store.Load(ctx, kg)
				if err != nil || (dj["json"] != "{}") != ok {
					t.Errorf("expiry %q mtime %v: Django alive %v, Go %v %v", c.expiry, c.mtime, dj["json"] != "{}", ok, err)
				}
			}
		})
	}
}

func newLogger(r *recorder) *slog.Logger { return slog.New(r) }
