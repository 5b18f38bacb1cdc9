//go:build djsessionload

package compat_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	credis "github.com/djsession/djsession/caches/redis"
	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/cacheddb"
	"github.com/djsession/djsession/engines/db"
)

// TestE2ELoad is the load run of scripts/load (not part of the ordinary suite: build tag
// djsessionload). Many concurrent clients on loopback against the Go service with the
// cached_db engine (PostgreSQL + Redis), mixing reads, writes, logins and logouts, while
// the demo Django site reads and writes the same sessions. It fails on any error or lost
// write, or on goroutines or connections left over; it reports req/s and latencies.
//
// DJSESSION_LOAD_CLIENTS (default 1000) and DJSESSION_LOAD_DURATION (default 60s).
func TestE2ELoad(t *testing.T) {
	clients, _ := strconv.Atoi(os.Getenv("DJSESSION_LOAD_CLIENTS"))
	if clients <= 0 {
		clients = 1000
	}
	duration, err := time.ParseDuration(os.Getenv("DJSESSION_LOAD_DURATION"))
	if err != nil {
		duration = 60 * time.Second
	}
	versions := e2eVersions(t)
	v := versions[len(versions)-1]
	redisURL := os.Getenv("DJSESSION_REDIS_URL")
	if redisURL == "" {
		skipOrFail(t, "DJSESSION_REDIS_URL is not set: run eval \"$(scripts/services start postgres redis)\"")
	}
	setup := e2eDBPostgres(t, v)
	env := e2eKeys{Key: "djsession-load-key-0123456789abcdefghijklmnop"}.env()
	for k, val := range setup.env {
		env[k] = val
	}
	env["SESSION_ENGINE"] = "cached_db"
	env["DJANGOAPP_CACHES"] = fmt.Sprintf(`{"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": %q}}`, redisURL)
	dj := startDjango(t, v, env)

	ro, err := goredis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	ro.PoolSize = 256
	rc := goredis.NewClient(ro)
	defer rc.Close()
	cache, err := credis.New([]goredis.UniversalClient{rc}, credis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := newGoService(t)
	s := e2eSettings(t, v, e2eKeys{Key: env["SECRET_KEY"]})
	dbs := setup.newStore(t, &s).(*db.Store)
	opts := e2eEngineOptions(t, &s)
	var store engines.Store
	if store, err = cacheddb.New(dbs, cache, cacheddb.Options{Options: opts}); err != nil {
		t.Fatal(err)
	}
	s.SessionEngine = store
	g.configure(t, s, setup.users)
	g.srv.Config.ReadHeaderTimeout = 30 * time.Second

	goroutinesBefore := runtime.NumGoroutine()
	transport := &http.Transport{MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2, IdleConnTimeout: 30 * time.Second}
	djSem := make(chan struct{}, 8) // Django (wsgiref) gets a few requests at a time

	var (
		requests, errs, lost   atomic.Int64
		mu                     sync.Mutex
		latencies, djLatencies []time.Duration
		firstErrs              []string
	)
	fail := func(format string, args ...any) {
		errs.Add(1)
		mu.Lock()
		if len(firstErrs) < 10 {
			firstErrs = append(firstErrs, fmt.Sprintf(format, args...))
		}
		mu.Unlock()
	}
	deadline := time.Now().Add(duration)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar, Transport: transport, Timeout: 30 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			var lat, djLat []time.Duration
			expect := -1 // the counter this client last wrote; -1 unknown, -2 absent
			n := 0
			do := func(method, u string, form url.Values) (int, []byte, bool) {
				var resp *http.Response
				var err error
				start := time.Now()
				if method == "POST" {
					resp, err = c.PostForm(u, form)
				} else {
					resp, err = c.Get(u)
				}
				if err != nil {
					fail("%s %s: %v", method, u, err)
					return 0, nil, false
				}
				body := make([]byte, 0, 256)
				buf := make([]byte, 512)
				for {
					k, rerr := resp.Body.Read(buf)
					body = append(body, buf[:k]...)
					if rerr != nil {
						break
					}
				}
				resp.Body.Close()
				if strings.HasPrefix(u, dj.URL) {
					djLat = append(djLat, time.Since(start))
				} else {
					lat = append(lat, time.Since(start))
				}
				requests.Add(1)
				if resp.StatusCode >= 400 {
					fail("%s %s: %d %.200s", method, u, resp.StatusCode, body)
					return resp.StatusCode, body, false
				}
				return resp.StatusCode, body, true
			}
			for time.Now().Before(deadline) {
				switch r := rng.IntN(100); {
				case r < 55: // read through Go, checking the last write
					_, body, ok := do("GET", g.srv.URL+"/session?key=counter", nil)
					if ok && expect >= 0 && !jsonHas(body, "value", strconv.Itoa(expect)) {
						lost.Add(1)
						fail("lost write: client %d expected counter %d, Go read %s", i, expect, body)
					}
				case r < 85: // write through Go
					n++
					if _, _, ok := do("POST", g.srv.URL+"/session/set", url.Values{"key": {"counter"}, "value": {strconv.Itoa(n)}}); ok {
						expect = n
					} else {
						expect = -1
					}
				case r < 90:
					user, pw := "bob", "bob-pw-1"
					if rng.IntN(2) == 0 {
						user, pw = "alice", "alice-pw-1"
					}
					do("POST", g.srv.URL+"/login", url.Values{"username": {user}, "password": {pw}})
					expect = -1 // a login as another user flushes the session
				case r < 93:
					do("POST", g.srv.URL+"/logout", url.Values{})
					expect = -2
				default: // Django reads the counter, or writes it
					djSem <- struct{}{}
					if rng.IntN(2) == 0 {
						_, body, ok := do("GET", dj.URL+"/session/?key=counter", nil)
						if ok && expect >= 0 && !jsonHas(body, "value", strconv.Itoa(expect)) {
							lost.Add(1)
							fail("lost write: client %d expected counter %d, Django read %s", i, expect, body)
						}
					} else {
						n++
						if _, _, ok := do("GET", dj.URL+"/session/set/?key=counter&value="+strconv.Itoa(n), nil); ok {
							expect = n
						} else {
							expect = -1
						}
					}
					<-djSem
				}
			}
			mu.Lock()
			latencies = append(latencies, lat...)
			djLatencies = append(djLatencies, djLat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	transport.CloseIdleConnections()

	pct := func(l []time.Duration, p float64) time.Duration {
		if len(l) == 0 {
			return 0
		}
		slices.Sort(l)
		return l[min(len(l)-1, int(float64(len(l))*p))]
	}
	total := requests.Load()
	t.Logf("Django %s, cached_db (PostgreSQL + Redis), %d clients for %s, GOMAXPROCS %d: %d requests, %.0f req/s; errors %d, lost writes %d",
		v.Django, clients, duration, runtime.GOMAXPROCS(0), total, float64(total)/duration.Seconds(), errs.Load(), lost.Load())
	t.Logf("Go service: %d requests, p50 %s, p99 %s, max %s", len(latencies), pct(latencies, 0.5), pct(latencies, 0.99), pct(latencies, 1))
	t.Logf("Django (at most %d at a time): %d requests, p50 %s, p99 %s", cap(djSem), len(djLatencies), pct(djLatencies, 0.5), pct(djLatencies, 0.99))
	for _, e := range firstErrs {
		t.Error(e)
	}

	// Leaks: goroutines settle back, no pooled connection stays checked out.
	g.srv.CloseClientConnections()
	settle := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > goroutinesBefore+10 && time.Now().Before(settle) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > goroutinesBefore+10 {
		t.Errorf("goroutine leak: %d before, %d after", goroutinesBefore, n)
	}
	if st := rc.PoolStats(); st.TotalConns-st.IdleConns > 0 {
		t.Errorf("Redis connections still in use: %+v", st)
	}
}
