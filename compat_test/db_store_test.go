package compat_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/engines/db/postgres"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

// Go-only tests of engines/db on each database (SQLite always; PostgreSQL and MariaDB when
// scripts/services runs them): concurrency, hostile input, extra columns.

func eachDB(t *testing.T, fn func(t *testing.T, h *dbHandle, s *db.Store, now *time.Time, warnings *recorder)) {
	for _, b := range dbBackends() {
		t.Run(b.name, func(t *testing.T) {
			h := b.open(t)
			now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
			w := &recorder{}
			opts := dbOptions(t, true, &now, h.tempTable(t, "djs_store"), slog.New(w))
			s := h.newStore(t, opts)
			if err := s.CreateTable(context.Background()); err != nil {
				t.Fatal(err)
			}
			fn(t, h, s, &now, w)
		})
	}
}

func TestDBConcurrentCreate(t *testing.T) {
	eachDB(t, func(t *testing.T, h *dbHandle, s *db.Store, _ *time.Time, _ *recorder) {
		ctx := context.Background()
		const workers, each = 32, 25
		var mu sync.Mutex
		keys := map[string]bool{}
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					d := serializer.NewDict()
					d.Set("i", serializer.Int(int64(i)))
					k, err := engines.Create(ctx, s, d)
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					if keys[k] {
						errs <- errors.New("duplicate key " + k)
					}
					keys[k] = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		n := 0
		if err := s.Records(ctx, func(r db.Record) error {
			if !keys[r.Key] {
				t.Errorf("row %s was never created", r.Key)
			}
			n++
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if n != workers*each || len(keys) != workers*each {
			t.Errorf("%d rows, %d keys; want %d", n, len(keys), workers*each)
		}

		// Many must-create saves of one key at once: exactly one wins.
		var wins, creates int
		var wg2 sync.WaitGroup
		var mu2 sync.Mutex
		for w := 0; w < workers; w++ {
			wg2.Add(1)
			go func() {
				defer wg2.Done()
				err := s.Save(ctx, "samekey0samekey0samekey0samekey0", serializer.NewDict(), true)
				mu2.Lock()
				defer mu2.Unlock()
				switch {
				case err == nil:
					wins++
				case errors.Is(err, engines.ErrCreate):
					creates++
				default:
					t.Error(err)
				}
			}()
		}
		wg2.Wait()
		if wins != 1 || creates != workers-1 {
			t.Errorf("concurrent must-create of one key: %d won, %d ErrCreate", wins, creates)
		}
	})
}

func TestDBBadInput(t *testing.T) {
	eachDB(t, func(t *testing.T, h *dbHandle, s *db.Store, now *time.Time, w *recorder) {
		ctx := context.Background()
		d := mustDict(t, `{"a":1}`)
		for _, key := range []string{"", "short", strings.Repeat("a", 41), strings.Repeat("k", 5000),
			"bad\xffutf8key", "nul\x00nul\x00nul", strings.Repeat("é", 41)} {
			if _, ok, err := s.Load(ctx, key); ok || err != nil {
				t.Errorf("Load(%q) = %v, %v", key, ok, err)
			}
			if ok, err := s.Exists(ctx, key); ok || err != nil {
				t.Errorf("Exists(%q) = %v, %v", key, ok, err)
			}
			if err := s.Delete(ctx, key); err != nil {
				t.Errorf("Delete(%q) = %v", key, err)
			}
			if err := s.Save(ctx, key, d, true); !errors.Is(err, engines.ErrInvalidKey) {
				t.Errorf("Save(%q) = %v, want ErrInvalidKey", key, err)
			}
		}
		// Keys Django accepts although it never makes them: any characters, up to 40.
		for _, key := range []string{strings.Repeat("é", 40), "ABC:def/ghi'\"`;--", "12345678"} {
			if err := s.Save(ctx, key, d, true); err != nil {
				t.Fatalf("Save(%q): %v", key, err)
			}
			if got, ok, err := s.Load(ctx, key); !ok || err != nil || dbJSON(t, got) != `{"a":1}` {
				t.Errorf("Load(%q) = %v, %v", key, ok, err)
			}
		}
		// Corrupted session_data: no session, a warning for the bad signature, no error.
		q := "INSERT INTO " + h.quote(s.Table()) + " (session_key, session_data, expire_date) VALUES (" +
			h.placeholder(1) + ", " + h.placeholder(2) + ", " + h.placeholder(3) + ")"
		exp := s.Dialect().TimeValue(now.Add(time.Hour).UTC(), nil)
		for i, data := range []string{"garbage", "", "eyJhIjoxfQ:1rhY92:AAAA", strings.Repeat("x", 100000), ".eJzzSM3JyVcozy_KSVEEAB0JBF4:1rhY92:bad"} {
			key := "corrupt" + string(rune('a'+i)) + "xxxxxxxx"
			if err := h.exec(ctx, q, key, data, exp); err != nil {
				t.Fatal(err)
			}
			if _, ok, err := s.Load(ctx, key); ok || err != nil {
				t.Errorf("Load of corrupted %q = %v, %v", data[:min(len(data), 20)], ok, err)
			}
			if ok, _ := s.Exists(ctx, key); !ok {
				t.Errorf("Exists(%s) = false", key)
			}
		}
		if len(w.records) == 0 {
			t.Error("no 'Session data corrupted' warning logged")
		}
		// A row whose expire_date is past: invisible to Load, removed by ClearExpired.
		if err := h.exec(ctx, q, "pastpastpast", "x", s.Dialect().TimeValue(now.Add(-time.Second).UTC(), nil)); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := s.Load(ctx, "pastpastpast"); ok {
			t.Error("Load returned an expired row")
		}
		if n, err := s.ClearExpiredCount(ctx); err != nil || n != 1 {
			t.Errorf("ClearExpiredCount = %d, %v", n, err)
		}
		// An unusable _session_expiry is a clear error, not a panic or a bad row.
		bad := mustDict(t, `{"_session_expiry":"not a date"}`)
		if err := s.Save(ctx, "badexpirybadexpiry", bad, true); !errors.Is(err, session.ErrBadExpiry) {
			t.Errorf("Save with a bad expiry: %v", err)
		}
		huge := mustDict(t, `{"_session_expiry":99999999999999}`)
		if err := s.Save(ctx, "hugeexpiryhugeexpiry", huge, true); err == nil {
			t.Error("Save with an expiry past year 9999 succeeded")
		}
		// A large session round-trips.
		big := serializer.NewDict()
		big.Set("blob", serializer.Str(strings.Repeat("ü€𝄞", 100000)))
		if err := s.Save(ctx, "bigbigbigbig", big, true); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := s.Load(ctx, "bigbigbigbig"); !ok || err != nil || dbJSON(t, got) != dbJSON(t, big) {
			t.Errorf("big session: ok=%v err=%v", ok, err)
		}
		// A cancelled context is an error, not a panic.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, _, err := s.Load(cctx, "bigbigbigbig"); err == nil {
			t.Error("Load with a cancelled context: no error")
		}
	})
}

func TestDBExtraColumns(t *testing.T) {
	for _, b := range dbBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			h := b.open(t)
			now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
			table := h.tempTable(t, "user_sessions")
			opts := dbOptions(t, true, &now, table, nil)
			type ipKey struct{}
			opts.ExtraColumns = func(ctx context.Context, key string, data *serializer.Dict) (map[string]any, error) {
				var user any
				if v, ok := data.Get("_auth_user_id"); ok {
					user, _ = v.AsStr()
				}
				ip, _ := ctx.Value(ipKey{}).(string)
				return map[string]any{"user_id": user, "ip": ip}, nil
			}
			s := h.newStore(t, opts)
			if err := s.CreateTable(ctx); err != nil {
				t.Fatal(err)
			}
			q := h.quote
			if err := h.exec(ctx, "ALTER TABLE "+q(table)+" ADD COLUMN "+q("user_id")+" varchar(20) NULL"); err != nil {
				t.Fatal(err)
			}
			if err := h.exec(ctx, "ALTER TABLE "+q(table)+" ADD COLUMN "+q("ip")+" varchar(45) NULL"); err != nil {
				t.Fatal(err)
			}
			rctx := context.WithValue(ctx, ipKey{}, "192.0.2.7")
			d := mustDict(t, `{}`)
			key, err := engines.Create(rctx, s, d)
			if err != nil {
				t.Fatal(err)
			}
			check := func(wantUser any, wantIP string) {
				t.Helper()
				var user *string
				var ip string
				sel := "SELECT user_id, ip FROM " + q(table) + " WHERE session_key = " + h.placeholder(1)
				var err error
				if h.pool != nil {
					err = h.pool.QueryRow(ctx, sel, key).Scan(&user, &ip)
				} else {
					err = h.sqlDB.QueryRow(sel, key).Scan(&user, &ip)
				}
				if err != nil {
					t.Fatal(err)
				}
				var got any
				if user != nil {
					got = *user
				}
				if got != wantUser || ip != wantIP {
					t.Errorf("user_id, ip = %v, %q; want %v, %q", got, ip, wantUser, wantIP)
				}
			}
			check(nil, "192.0.2.7")
			d.Set("_auth_user_id", serializer.Str("42"))
			if err := s.Save(context.WithValue(ctx, ipKey{}, "2001:db8::1"), key, d, false); err != nil {
				t.Fatal(err)
			}
			check("42", "2001:db8::1")
			if got, ok, err := s.Load(ctx, key); !ok || err != nil || dbJSON(t, got) != `{"_auth_user_id":"42"}` {
				t.Errorf("Load: %v %v", ok, err)
			}
		})
	}
}

// TestDBPgBouncerTransactionMode shows that PgBouncer's transaction pooling is what the
// pgbouncer backend of the other tests runs on, and that Options.SimpleProtocol is what
// makes the store work there. On the pool of one server connection that every client
// shares, a store in pgx's default mode fails as soon as a second client prepares a
// statement the first one prepared (the server connection has it already); stores with
// SimpleProtocol on the same two clients create, save, load, check and delete sessions
// in turns, each seeing the other's writes.
func TestDBPgBouncerTransactionMode(t *testing.T) {
	h := openPgBouncer(t)
	ctx := context.Background()
	cfg := bouncerCfg.Copy()
	cfg.Database += "_one" // the pool of one server connection (scripts/services)
	cfg.DefaultQueryExecMode = pgx.QueryExecModeCacheStatement
	conns := make([]*pgx.Conn, 2)
	for i := range conns {
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(context.Background()) })
		conns[i] = c
	}
	now := time.Date(2024, 6, 1, 12, 0, 0, 123000, time.UTC)
	opts := dbOptions(t, false, &now, h.tempTable(t, "djs_bouncer"), nil)
	stores := func(simple bool) [2]*db.Store {
		var out [2]*db.Store
		for i, c := range conns {
			s, err := postgres.New(c, postgres.Options{Options: opts, SimpleProtocol: simple})
			if err != nil {
				t.Fatal(err)
			}
			out[i] = s
		}
		return out
	}
	simple := stores(true)
	if err := simple[0].CreateTable(ctx); err != nil {
		t.Fatal(err)
	}

	prepared := stores(false)
	if _, _, err := prepared[0].Load(ctx, "abcdefgh12345678"); err != nil {
		t.Fatalf("first client, prepared statements: %v", err)
	}
	_, _, err := prepared[1].Load(ctx, "abcdefgh12345678")
	if err == nil {
		t.Fatal("a second client preparing the same statement on the shared server connection succeeded: not behind PgBouncer's transaction pooling")
	}
	t.Logf("second client in pgx's default mode, as expected: %v", err)

	key, err := engines.Create(ctx, simple[0], mustDict(t, `{"n":0}`))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 6; i++ {
		s, other := simple[i%2], simple[(i+1)%2]
		if err := s.Save(ctx, key, mustDict(t, fmt.Sprintf(`{"n":%d}`, i)), false); err != nil {
			t.Fatalf("save %d: %v", i, err)
		}
		d, ok, err := other.Load(ctx, key)
		if err != nil || !ok || dbJSON(t, d) != fmt.Sprintf(`{"n":%d}`, i) {
			t.Fatalf("load %d by the other client: %s %v %v", i, dbJSON(t, d), ok, err)
		}
	}
	if err := simple[1].Save(ctx, key, serializer.NewDict(), true); !errors.Is(err, engines.ErrCreate) {
		t.Errorf("must-create of a taken key: %v, want ErrCreate", err)
	}
	rec, _, err := simple[1].Get(ctx, key)
	if err != nil || !rec.ExpireDate.Equal(now.Add(14*24*time.Hour)) {
		t.Errorf("Get: %v %v", rec.ExpireDate, err)
	}
	if err := simple[1].Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if ok, err := simple[0].Exists(ctx, key); ok || err != nil {
		t.Errorf("Exists after the other client's delete: %v %v", ok, err)
	}
}
