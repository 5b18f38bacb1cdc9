package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

const testKey = "django-insecure-file-engine-test-key"

func newStore(t testing.TB, dir string, now func() time.Time) *Store {
	t.Helper()
	codec, err := session.NewCodec(session.Config{SecretKey: testKey, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Path: dir}, engines.Options{Codec: codec, Now: now,
		Logger: slog.New(slog.NewTextHandler(ioDiscard{}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type ioDiscard struct{}

func (ioDiscard) Write(p []byte) (int, error) { return len(p), nil }

func dict(kv ...any) *serializer.Dict {
	d := serializer.NewDict()
	for i := 0; i < len(kv); i += 2 {
		var v serializer.Value
		switch x := kv[i+1].(type) {
		case int:
			v = serializer.Int(int64(x))
		case float64:
			v = serializer.Float(x)
		case string:
			v = serializer.Str(x)
		case serializer.Value:
			v = x
		}
		d.Set(kv[i].(string), v)
	}
	return d
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := newStore(t, dir, nil)
	key, err := engines.Create(ctx, s, dict("a", 1, "b", "é"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "sessionid"+key))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.ContainsAny(raw, "\r\n") || len(raw) == 0 {
		t.Fatalf("file content %q", raw)
	}
	got, ok, err := s.Load(ctx, key)
	if err != nil || !ok {
		t.Fatalf("Load: %v %v", ok, err)
	}
	if !serializer.Equal(serializer.DictValue(got), serializer.DictValue(dict("a", 1, "b", "é"))) {
		t.Fatalf("got %v", got)
	}
	if ex, _ := s.Exists(ctx, key); !ex {
		t.Fatal("Exists false")
	}
	if err := s.Save(ctx, key, dict("a", 2), true); !errors.Is(err, engines.ErrCreate) {
		t.Fatalf("must-create on existing: %v", err)
	}
	if err := s.Save(ctx, key, dict("a", 2), false); err != nil {
		t.Fatal(err)
	}
	got, _, _ = s.Load(ctx, key)
	if v, _ := got.Get("a"); !serializer.Equal(v, serializer.Int(2)) {
		t.Fatalf("after update %v", got)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal("second delete:", err)
	}
	if err := s.Save(ctx, key, dict("a", 3), false); !errors.Is(err, engines.ErrUpdate) {
		t.Fatalf("update of deleted: %v", err)
	}
	if _, ok, err := s.Load(ctx, key); ok || err != nil {
		t.Fatalf("load of deleted: %v %v", ok, err)
	}
	assertNoTemp(t, dir)
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), "_out_") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func TestBadKeys(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := newStore(t, dir, nil)
	outside := filepath.Join(filepath.Dir(dir), "sessionidvictim")
	os.WriteFile(outside, []byte("x"), 0o600)
	defer os.Remove(outside)
	bad := []string{
		"", "short", "ABCDEFGHIJ", "../sessionidvictim", "..%2fvictim0", "abc/defgh", "abcdefgh\x00",
		"abcdéfghij", "日本語のキーです", "abcdefgh ", "abcdefgh\n", strings.Repeat("a", 300),
		strings.Repeat("a", 1<<16),
	}
	for _, k := range bad {
		if _, ok, err := s.Load(ctx, k); ok || err != nil {
			t.Errorf("Load(%.20q) = %v, %v", k, ok, err)
		}
		err := s.Save(ctx, k, dict("a", 1), true)
		if len(k) < 256 && !errors.Is(err, engines.ErrInvalidKey) {
			t.Errorf("Save(%.20q) = %v, want ErrInvalidKey", k, err)
		}
		if err == nil {
			t.Errorf("Save(%.20q) succeeded", k)
		}
	}
	for _, k := range []string{"../x", "A", "é"} {
		if _, err := s.Exists(ctx, k); !errors.Is(err, engines.ErrInvalidKey) {
			t.Errorf("Exists(%q): %v", k, err)
		}
		if err := s.Delete(ctx, k); !errors.Is(err, engines.ErrInvalidKey) {
			t.Errorf("Delete(%q): %v", k, err)
		}
	}
	if _, err := os.Stat(outside); err != nil {
		t.Fatal("file outside the directory was touched")
	}
}

func TestMissingDirectory(t *testing.T) {
	codec, _ := session.NewCodec(session.Config{SecretKey: testKey})
	dir := filepath.Join(t.TempDir(), "nope")
	_, err := New(Config{Path: dir}, engines.Options{Codec: codec})
	if err == nil || !strings.Contains(err.Error(), "doesn't exist") {
		t.Fatalf("err = %v", err)
	}
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o600)
	if _, err := New(Config{Path: f}, engines.Options{Codec: codec}); err == nil {
		t.Fatal("a regular file accepted as directory")
	}
	if _, err := New(Config{Path: t.TempDir()}, engines.Options{}); err == nil {
		t.Fatal("nil codec accepted")
	}
	s, err := New(Config{}, engines.Options{Codec: codec})
	if err != nil || s.Dir() != os.TempDir() {
		t.Fatalf("default dir: %v %v", s, err)
	}
}

func TestCorruptContent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := newStore(t, dir, nil)
	key := engines.NewKey()
	name := filepath.Join(dir, "sessionid"+key)
	write := func(b string) { os.WriteFile(name, []byte(b), 0o600) }

	for _, c := range []string{"garbage", "eyJhIjoxfQ:1r31eq:bad", "eyJhIjoxfQ:1r31eq:oO0NWqq93YS0fwPSk-pNHwHCos2sDyPFNHZsXkRTJDQ\n", ".", ":::", "\x00\x01"} {
		write(c)
		if d, ok, err := s.Load(ctx, key); ok || err != nil || d != nil {
			t.Errorf("Load(%q) = %v %v %v", c, d, ok, err)
		}
		if _, err := os.Stat(name); err != nil {
			t.Errorf("%q: a fresh corrupted file must stay (Django keeps it until it expires)", c)
		}
	}
	write("caf\xc3\xa9")
	if _, _, err := s.Load(ctx, key); !errors.Is(err, ErrCorrupt) {
		t.Errorf("non-ASCII content: %v", err)
	}
	write("")
	if d, ok, err := s.Load(ctx, key); !ok || err != nil || d.Len() != 0 {
		t.Errorf("empty file: %v %v %v", d, ok, err)
	}
	// A bad _session_expiry: Django raises in get_expiry_age.
	os.Remove(name)
	if err := s.Save(ctx, key, dict("_session_expiry", "not a date"), true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Load(ctx, key); !errors.Is(err, ErrCorrupt) {
		t.Errorf("bad expiry: %v", err)
	}
	// A directory with a session name.
	key2 := engines.NewKey()
	os.Mkdir(filepath.Join(dir, "sessionid"+key2), 0o700)
	if _, ok, err := s.Load(ctx, key2); ok || err == nil {
		t.Errorf("directory: %v %v", ok, err)
	}
}

func TestExpiry(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	base := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	now := base
	clock := func() time.Time { return now }
	s := newStore(t, dir, clock)
	age := time.Duration(session.DefaultCookieAge) * time.Second

	save := func(d *serializer.Dict, mtime time.Time) string {
		k, err := engines.Create(ctx, s, d)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(filepath.Join(dir, "sessionid"+k), mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return k
	}
	cases := []struct {
		name    string
		data    *serializer.Dict
		mtime   time.Time
		expired bool
	}{
		{"default fresh", dict("a", 1), base.Add(-age + time.Second), false},
		{"default old", dict("a", 1), base.Add(-age), true},
		{"zero falls back to mtime", dict("_session_expiry", 0), base.Add(-age - time.Hour), true},
		{"int never by age", dict("_session_expiry", 5), base.Add(-100 * age), false},
		{"negative int", dict("_session_expiry", -1), base, true},
		{"float below one", dict("_session_expiry", 0.5), base.Add(-100 * age), false},
		{"negative float", dict("_session_expiry", -0.5), base, true},
		{"iso future", dict("_session_expiry", "2024-03-01T12:00:01+00:00"), base.Add(-100 * age), false},
		{"iso now", dict("_session_expiry", "2024-03-01T12:00:00+00:00"), base, true},
		{"iso sub-second", dict("_session_expiry", "2024-03-01T12:00:00.500000+00:00"), base, true},
		{"iso past", dict("_session_expiry", "2024-02-01T00:00:00+00:00"), base, true},
	}
	for _, c := range cases {
		k := save(c.data, c.mtime)
		_, ok, err := s.Load(ctx, k)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		_, statErr := os.Stat(filepath.Join(dir, "sessionid"+k))
		if ok == c.expired || (statErr == nil) == c.expired {
			t.Errorf("%s: loaded %v, file exists %v; want expired %v", c.name, ok, statErr == nil, c.expired)
		}
	}

	// ClearExpired removes exactly the expired ones and leaves foreign files.
	for _, f := range []string{"other", "sessionidshort", "sessionid" + engines.NewKey() + "_out_abc", "sessionidABCDEFGHIJ"} {
		os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600)
		os.Chtimes(filepath.Join(dir, f), base.Add(-10*age), base.Add(-10*age))
	}
	fresh := save(dict("x", 1), base)
	old := save(dict("x", 1), base.Add(-2*age))
	corrupt := save(dict("x", 1), base.Add(-2*age))
	os.WriteFile(filepath.Join(dir, "sessionid"+corrupt), []byte("junk"), 0o600)
	os.Chtimes(filepath.Join(dir, "sessionid"+corrupt), base.Add(-2*age), base.Add(-2*age))
	if err := s.ClearExpired(ctx); err != nil {
		t.Fatal(err)
	}
	for f, want := range map[string]bool{"other": true, "sessionidshort": true, "sessionidABCDEFGHIJ": true,
		"sessionid" + fresh: true, "sessionid" + old: false, "sessionid" + corrupt: false} {
		if _, err := os.Stat(filepath.Join(dir, f)); (err == nil) != want {
			t.Errorf("after ClearExpired, %s exists = %v, want %v", f, err == nil, want)
		}
	}
}

// Concurrent writers to one session never leave a torn file: every read sees a complete
// value written by one of them.
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := newStore(t, dir, nil)
	key, err := engines.Create(ctx, s, dict("w", -1, "pad", ""))
	if err != nil {
		t.Fatal(err)
	}
	const writers, rounds = 16, 50
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var (
		errMu   sync.Mutex
		readErr error
		reads   atomic.Int64
	)
	fail := func(err error) {
		errMu.Lock()
		if readErr == nil {
			readErr = err
		}
		errMu.Unlock()
	}
	var rwg sync.WaitGroup
	for r := 0; r < 4; r++ {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				d, ok, err := s.Load(ctx, key)
				if err != nil || !ok {
					fail(fmt.Errorf("torn or missing read: ok=%v err=%v", ok, err))
					return
				}
				w, _ := d.Get("w")
				pad, _ := d.Get("pad")
				n, _ := w.AsInt()
				p, _ := pad.AsStr()
				if n >= 0 && p != strings.Repeat(fmt.Sprint(n%10), 2000+int(n)) {
					fail(fmt.Errorf("inconsistent session %d", n))
					return
				}
				reads.Add(1)
			}
		}()
	}
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				n := w*rounds + i
				if err := s.Save(ctx, key, dict("w", n, "pad", strings.Repeat(fmt.Sprint(n%10), 2000+n)), false); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	rwg.Wait()
	if readErr != nil {
		t.Fatal(readErr)
	}
	if reads.Load() == 0 {
		t.Fatal("no reads happened")
	}
	t.Logf("%d consistent reads during %d writes", reads.Load(), writers*rounds)
	assertNoTemp(t, dir)
}

// Many goroutines creating sessions at once get distinct keys and lose none.
func TestConcurrentCreate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := newStore(t, dir, nil)
	var mu sync.Mutex
	keys := map[string]bool{}
	var wg sync.WaitGroup
	for g := 0; g < 32; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				k, err := engines.Create(ctx, s, dict("g", g))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				keys[k] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	entries, _ := os.ReadDir(dir)
	if len(keys) != 640 || len(entries) != 640 {
		t.Fatalf("%d keys, %d files", len(keys), len(entries))
	}
}

// A failed write removes its temporary file and leaves the session intact.
func TestWriteFailureCleansUp(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "sessionidabcdefgh")
	if err := os.Mkdir(target, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(target, "x"), nil, 0o600) // a non-empty directory cannot be replaced
	if err := writeAtomic(target, "data"); err == nil {
		t.Fatal("rename over a directory succeeded")
	}
	assertNoTemp(t, dir)
}

func TestCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := newStore(t, t.TempDir(), nil)
	if _, _, err := s.Load(ctx, engines.NewKey()); !errors.Is(err, context.Canceled) {
		t.Error(err)
	}
	if err := s.Save(ctx, engines.NewKey(), nil, true); !errors.Is(err, context.Canceled) {
		t.Error(err)
	}
}
