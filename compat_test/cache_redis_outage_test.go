package compat_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/caches"
	credis "github.com/djsession/djsession/caches/redis"
	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/cacheddb"
	"github.com/djsession/djsession/serializer"
)

// privateRedis is a redis-server process of this test, on its own port, without
// persistence (stopping it loses its data, as an evicting or crashed cache does).
type privateRedis struct {
	port int
	dir  string
	cmd  *exec.Cmd
}

func (r *privateRedis) start(t *testing.T) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		skipOrFailTB(t, "redis-server not found: run scripts/services start redis (it installs it)")
	}
	r.cmd = exec.Command(bin, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", r.dir, "--logfile", filepath.Join(r.dir, "redis.log"))
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := goredis.NewClient(&goredis.Options{Addr: r.addr()})
	defer c.Close()
	for i := 0; ; i++ {
		if c.Ping(context.Background()).Err() == nil {
			return
		}
		if i > 100 {
			t.Fatal("private redis-server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills the process this test started (by its pid) and waits for it.
func (r *privateRedis) stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		r.cmd.Process.Kill()
		r.cmd.Wait()
		r.cmd = nil
	}
}

func (r *privateRedis) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// countingBackend counts the operations of a backend that returned an error.
type countingBackend struct {
	caches.Backend
	failures atomic.Int64
}

func (c *countingBackend) count(err error) error {
	if err != nil {
		c.failures.Add(1)
	}
	return err
}

func (c *countingBackend) Get(ctx context.Context, key string) (serializer.Value, bool, error) {
	v, ok, err := c.Backend.Get(ctx, key)
	return v, ok, c.count(err)
}

func (c *countingBackend) Set(ctx context.Context, key string, v serializer.Value, t caches.Timeout) error {
	return c.count(c.Backend.Set(ctx, key, v, t))
}

func (c *countingBackend) Has(ctx context.Context, key string) (bool, error) {
	ok, err := c.Backend.Has(ctx, key)
	return ok, c.count(err)
}

// countingHandler counts slog records.
type countingHandler struct{ n atomic.Int64 }

func (h *countingHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (h *countingHandler) Handle(context.Context, slog.Record) error { h.n.Add(1); return nil }
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler        { return h }
func (h *countingHandler) WithGroup(string) slog.Handler             { return h }

type countingRedisLogger struct {
	n     atomic.Int64
	first atomic.Value
}

func (l *countingRedisLogger) Printf(ctx context.Context, format string, v ...any) {
	if l.n.Add(1) == 1 {
		l.first.Store(fmt.Sprintf(format, v...))
	}
}

// TestCacheRedisOutageCachedDB stops redis-server in the middle of a cached_db run: Go
// keeps loading from the database, every save reaches the database (0 lost writes),
// nothing panics, each failed cache operation is logged exactly once, and once Redis is
// back the cache is repopulated; finally real Django loads every session's last write.
func TestCacheRedisOutageCachedDB(t *testing.T) {
	needRedis(t)
	r := &privateRedis{port: freePort(t), dir: t.TempDir()}
	r.start(t)
	t.Cleanup(r.stop)

	rl := &countingRedisLogger{}
	goredis.SetLogger(rl)

	client := goredis.NewClient(&goredis.Options{Addr: r.addr(), MaxRetries: -1,
		DialTimeout: 200 * time.Millisecond, ReadTimeout: 500 * time.Millisecond, WriteTimeout: 500 * time.Millisecond})
	t.Cleanup(func() { client.Close() })
	rc, err := credis.New([]goredis.UniversalClient{client}, credis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cb := &countingBackend{Backend: rc}
	logs := &countingHandler{}
	dbPath := filepath.Join(t.TempDir(), "db.sqlite3")
	opts, dbs := cacheEngineOptions(t, dbPath)
	// Real Django on the same database and Redis (it creates the table); at the end it
	// must load every session's last write.
	p := startCachePeer(t, "5.2", map[string]any{"default": map[string]any{
		"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://" + r.addr()}}, dbPath)
	opts.Logger = slog.New(logs)
	st, err := cacheddb.New(dbs, cb, cacheddb.Options{Options: opts})
	if err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	const workers, perWorker = 8, 4
	keys := make([][]string, workers)
	last := make([][]int64, workers)
	for w := range keys {
		for i := 0; i < perWorker; i++ {
			d := serializer.NewDict()
			d.Set("n", serializer.Int(0))
			k, err := engines.Create(ctx, st, d)
			if err != nil {
				t.Fatal(err)
			}
			keys[w] = append(keys[w], k)
			last[w] = append(last[w], 0)
		}
	}

	var saves, loads, badLoads, lostSaves atomic.Int64
	stopRun := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for n := int64(1); ; n++ {
				select {
				case <-stopRun:
					return
				default:
				}
				for i, k := range keys[w] {
					d := serializer.NewDict()
					d.Set("n", serializer.Int(n))
					if err := st.Save(ctx, k, d, false); err != nil {
						lostSaves.Add(1)
						t.Errorf("save during the run: %v", err)
						continue
					}
					last[w][i] = n
					saves.Add(1)
					got, ok, err := st.Load(ctx, k)
					loads.Add(1)
					if v, _ := got.Get("n"); err != nil || !ok || v.String() != fmt.Sprint(n) {
						badLoads.Add(1)
						t.Errorf("load during the run: ok=%v err=%v n=%v want %d", ok, err, v, n)
					}
				}
			}
		}(w)
	}
	time.Sleep(700 * time.Millisecond)
	r.stop()
	outageStart := time.Now()
	failBefore := cb.failures.Load()
	time.Sleep(1500 * time.Millisecond)
	failDuring := cb.failures.Load() - failBefore
	r.start(t)
	outage := time.Since(outageStart)
	time.Sleep(1500 * time.Millisecond)
	close(stopRun)
	wg.Wait()

	if lostSaves.Load() != 0 || badLoads.Load() != 0 {
		t.Fatalf("%d saves failed, %d loads wrong", lostSaves.Load(), badLoads.Load())
	}
	if failDuring == 0 {
		t.Fatal("no cache failures while Redis was down: the outage was not exercised")
	}
	if got, want := logs.n.Load(), cb.failures.Load(); got != want {
		t.Fatalf("%d log records for %d failed cache operations; want one each", got, want)
	}

	// Every session's last write is in the database, and in the cache again once loaded
	// (sessions whose last write fell in the outage are refilled by that load).
	repopulated := 0
	for w := range keys {
		for i, k := range keys[w] {
			if got, ok, err := st.Load(ctx, k); err != nil || !ok || got.Len() != 1 {
				t.Fatalf("load after the outage: %v %v", ok, err)
			}
			got, ok, err := dbs.Load(ctx, k)
			if v, _ := got.Get("n"); err != nil || !ok || v.String() != fmt.Sprint(last[w][i]) {
				t.Fatalf("database lost a write: %s n=%v want %d (%v)", k, v, last[w][i], err)
			}
			v, ok, err := rc.Get(ctx, cacheddb.KeyPrefix+k)
			if err == nil && ok {
				if n, _ := v.Dict().Get("n"); n.String() == fmt.Sprint(last[w][i]) {
					repopulated++
					continue
				}
			}
			t.Logf("session %s not in the cache with n=%d: %v %v %v", k, last[w][i], v, ok, err)
		}
	}
	if repopulated != workers*perWorker {
		t.Fatalf("%d of %d sessions are back in the cache with their last write", repopulated, workers*perWorker)
	}
	t.Logf("outage %.1fs: %d saves, %d loads, 0 lost writes, 0 wrong loads; %d failed cache operations, %d log records; go-redis's own log lines: %d (first: %v)",
		outage.Seconds(), saves.Load(), loads.Load(), cb.failures.Load(), logs.n.Load(), rl.n.Load(), rl.first.Load())

	for w := range keys {
		for i, k := range keys[w] {
			resp := p.mustOK(t, map[string]any{"op": "cache_session_load", "engine": "cached_db", "key": k})
			d := serializer.NewDict()
			d.Set("n", serializer.Int(last[w][i]))
			if want := dbJSON(t, d); resp["json"] != want {
				t.Fatalf("Django loads %v for %s, want %s", resp["json"], k, want)
			}
		}
	}
}
