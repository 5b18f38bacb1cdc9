package compat_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/engines"
	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/serializer"
)

// Live tests of engines/db: Go and a real Django of every version in the matrix share one
// database (SQLite file, PostgreSQL, MariaDB) through Django's own db engine
// (scripts/peer_ops_db.py), with USE_TZ True and False, on controlled clocks.

// dbLiveEnv is one database table shared by a Go store and a Django peer.
type dbLiveEnv struct {
	t        *testing.T
	h        *dbHandle
	p        *peer
	useTZ    bool
	table    string
	now      time.Time
	store    *db.Store
	opts     db.Options
	warnings *recorder
}

func (e *dbLiveEnv) django(op string, req map[string]any) map[string]any {
	e.t.Helper()
	req["op"] = op
	req["now"] = dbUnix(e.now)
	if e.table != db.DefaultTable {
		req["table"] = e.table
	}
	return e.p.call(e.t, req)
}

func (e *dbLiveEnv) djangoOK(op string, req map[string]any) map[string]any {
	e.t.Helper()
	resp := e.django(op, req)
	if ok, _ := resp["ok"].(bool); !ok {
		e.t.Fatalf("Django %s %s: %v: %v", e.p.Django, op, resp["error"], resp["message"])
	}
	return resp
}

// iso is Django's isoformat() of the model's expire_date for a Go record.
func (e *dbLiveEnv) iso(t time.Time) string { return e.opts.Expiry.FormatISO(t) }

// row returns Django's view of the row for key (nil when there is none).
func (e *dbLiveEnv) row(key string) map[string]any {
	e.t.Helper()
	r, _ := e.djangoOK("db_row", map[string]any{"key": key})["row"].(map[string]any)
	return r
}

// sameRow checks that Go's record and Django's model agree on the row for key.
func (e *dbLiveEnv) sameRow(key string) db.Record {
	e.t.Helper()
	rec, ok, err := e.store.Get(context.Background(), key)
	if err != nil || !ok {
		e.t.Fatalf("Go Get(%q) = %v, %v", key, ok, err)
	}
	dj := e.row(key)
	if dj == nil {
		e.t.Fatalf("Django sees no row for %q", key)
	}
	if dj["session_data"] != rec.Data {
		e.t.Errorf("session_data: Go %q, Django %q", rec.Data, dj["session_data"])
	}
	if dj["expire_date"] != e.iso(rec.ExpireDate) {
		e.t.Errorf("expire_date: Go %s, Django %s", e.iso(rec.ExpireDate), dj["expire_date"])
	}
	return rec
}

func (e *dbLiveEnv) goLoad(key string) (*serializer.Dict, bool) {
	e.t.Helper()
	d, ok, err := e.store.Load(context.Background(), key)
	if err != nil {
		e.t.Fatalf("Go Load(%q): %v", key, err)
	}
	return d, ok
}

func (e *dbLiveEnv) djangoLoad(key string) map[string]any {
	e.t.Helper()
	return e.djangoOK("session_load", map[string]any{"key": key})
}

func TestLiveDB(t *testing.T) {
	if testing.Short() {
		skipOrFail(t, "live Django tests skipped in -short mode")
	}
	series := matrix(t)
	for _, b := range dbBackends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for _, s := range series {
				for _, useTZ := range []bool{true, false} {
					name := s + "/USE_TZ=" + map[bool]string{true: "True", false: "False"}[useTZ]
					t.Run(name, func(t *testing.T) {
						t.Parallel()
						h := b.open(t)
						e := &dbLiveEnv{t: t, h: h, useTZ: useTZ, warnings: &recorder{}}
						e.p = startDBPeer(t, s, h, useTZ)
						if b.name == "sqlite" {
							// Django's own migration makes the table Go then uses.
							e.table = db.DefaultTable
							e.djangoOK("db_migrate", map[string]any{})
						} else {
							e.table = h.tempTable(t, "djs_live")
						}
						e.opts = dbOptions(t, useTZ, &e.now, e.table, slog.New(e.warnings))
						e.store = h.newStore(t, e.opts)
						if b.name != "sqlite" {
							if err := e.store.CreateTable(context.Background()); err != nil {
								t.Fatal(err)
							}
						}
						testDBDDL(t, e)
						testDBBothWays(t, e)
						testDBExpiry(t, e)
						testDBClear(t, e)
					})
				}
			}
		})
	}
}

// testDBDDL compares CreateTableSQL with Django's sqlmigrate sessions 0001.
func testDBDDL(t *testing.T, e *dbLiveEnv) {
	resp := e.djangoOK("db_sqlmigrate", map[string]any{})
	var got []string
	for _, line := range strings.Split(resp["sql"].(string), "\n") {
		if strings.HasPrefix(line, "CREATE ") {
			got = append(got, strings.TrimSuffix(line, ";"))
		}
	}
	want := e.store.Dialect().CreateTableSQL(db.DefaultTable)
	if !slices.Equal(got, want) {
		t.Errorf("CreateTableSQL differs from Django %s sqlmigrate:\nGo:     %q\nDjango: %q", e.p.Django, want, got)
	}
}

func testDBBothWays(t *testing.T, e *dbLiveEnv) {
	ctx := context.Background()
	// Across the US DST change of 2024-03-10: naive (USE_TZ=False) arithmetic keeps the
	// wall-clock time, aware arithmetic keeps the duration.
	e.now = time.Date(2024, 3, 5, 17, 0, 0, 250000000, time.UTC)
	data := `{"a":1,"u":"caf\u00e9 \u2603","l":[1,2.5,null,true],"_auth_user_id":"42"}`

	// Django creates; Go reads the same row, data and expiry.
	resp := e.djangoOK("session_save", map[string]any{"key": nil, "json": data})
	key := resp["key"].(string)
	rec := e.sameRow(key)
	d, ok := e.goLoad(key)
	if !ok || dbJSON(t, d) != data {
		t.Fatalf("Go Load of Django's session: ok=%v %s", ok, dbJSON(t, d))
	}
	wantExp, err := e.opts.Expiry.Date(d, e.now)
	if err != nil {
		t.Fatal(err)
	}
	if e.useTZ && !rec.ExpireDate.Equal(wantExp) {
		t.Errorf("expire_date %v, want now + SESSION_COOKIE_AGE = %v", rec.ExpireDate, wantExp)
	}
	if !e.useTZ {
		// Naive: 12:00 EST + 14 days = 12:00 EDT on the wall clock.
		if got := e.iso(rec.ExpireDate); got != "2024-03-19T12:00:00.250000" {
			t.Errorf("naive expire_date %s, want 2024-03-19T12:00:00.250000", got)
		}
	}

	// The twin: Go saves the same data at the same instant; the rows are byte-identical.
	twin := "twin" + key[4:]
	dd := mustDict(t, data)
	if err := e.store.Save(ctx, twin, dd, true); err != nil {
		t.Fatal(err)
	}
	dj1, dj2, _ := e.h.raw(t, e.table, key)
	go1, go2, _ := e.h.raw(t, e.table, twin)
	if dj1 != go1 || dj2 != go2 {
		t.Errorf("Go's row differs from Django's:\nGo:     %q %q\nDjango: %q %q", go1, go2, dj1, dj2)
	}
	if e.h.backend == "sqlite" && !strings.HasSuffix(dj2, ".250000") {
		t.Errorf("SQLite expire_date text %q: want microseconds", dj2)
	}

	// Go creates with an int expiry at a whole second; Django loads it.
	e.now = time.Date(2024, 3, 6, 15, 30, 0, 0, time.UTC)
	gd := mustDict(t, `{"g":"go","n":2}`)
	if err := e.opts.Expiry.SetExpiry(gd, 3600, e.now); err != nil {
		t.Fatal(err)
	}
	gkey, err := engines.Create(ctx, e.store, gd)
	if err != nil {
		t.Fatal(err)
	}
	grec := e.sameRow(gkey)
	if _, exp, _ := e.h.raw(t, e.table, gkey); e.h.backend == "sqlite" && strings.Contains(exp, ".") {
		t.Errorf("SQLite expire_date text %q: Django writes no fraction for whole seconds", exp)
	}
	ld := e.djangoLoad(gkey)
	if ld["found"] != true || ld["json"] != dbJSON(t, gd) {
		t.Fatalf("Django load of Go's session: %v", ld)
	}
	if ld["expiry_date"] != e.iso(grec.ExpireDate) || ld["expiry_age"] != float64(3600) {
		t.Errorf("Django expiry %v / %v, Go stored %s", ld["expiry_date"], ld["expiry_age"], e.iso(grec.ExpireDate))
	}

	// Django updates Go's session ten seconds later; Go sees the change and new expiry.
	e.now = e.now.Add(10 * time.Second)
	e.djangoOK("session_update", map[string]any{"key": gkey, "json": `{"d":true}`})
	gd2, ok := e.goLoad(gkey)
	if !ok || dbJSON(t, gd2) != `{"g":"go","n":2,"_session_expiry":3600,"d":true}` {
		t.Fatalf("Go Load after Django's update: ok=%v %s", ok, dbJSON(t, gd2))
	}
	if r := e.sameRow(gkey); !r.ExpireDate.Equal(e.now.Add(time.Hour)) {
		t.Errorf("expire_date after Django's update: %v, want %v", r.ExpireDate, e.now.Add(time.Hour))
	}

	// Go updates Django's session (absolute expiry where Django supports it); Django sees it.
	d.Set("by", serializer.Str("go"))
	if e.p.Series != "3.2" {
		if err := e.opts.Expiry.SetExpiry(d, 48*time.Hour+500*time.Millisecond, e.now); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.store.Save(ctx, key, d, false); err != nil {
		t.Fatal(err)
	}
	rec = e.sameRow(key)
	ld = e.djangoLoad(key)
	if ld["found"] != true || ld["json"] != dbJSON(t, d) || ld["expiry_date"] != e.iso(rec.ExpireDate) {
		t.Errorf("Django load after Go's update: %v; Go stored %s %s", ld, dbJSON(t, d), e.iso(rec.ExpireDate))
	}

	// Error semantics on both sides.
	if err := e.store.Save(ctx, key, d, true); !errors.Is(err, engines.ErrCreate) {
		t.Errorf("Go must-create on Django's key: %v, want ErrCreate", err)
	}
	if err := e.store.Save(ctx, "nosuchsession0000000000000000000", d, false); !errors.Is(err, engines.ErrUpdate) {
		t.Errorf("Go update of a missing session: %v, want ErrUpdate", err)
	}
	if r := e.django("session_save", map[string]any{"key": gkey, "json": "{}", "must_create": true}); r["error"] != "CreateError" {
		t.Errorf("Django must-create on Go's key: %v", r)
	}
	// An update that changes nothing still finds its row (MySQL counts changed rows).
	if err := e.store.Save(ctx, gkey, gd2, false); err != nil {
		t.Fatal(err)
	}
	if err := e.store.Save(ctx, gkey, gd2, false); err != nil {
		t.Errorf("Go update with identical values: %v", err)
	}

	// Deletes, both ways.
	if err := e.store.Delete(ctx, gkey); err != nil {
		t.Fatal(err)
	}
	if r := e.djangoOK("session_exists", map[string]any{"key": gkey}); r["exists"] != false {
		t.Errorf("Django exists after Go's delete: %v", r)
	}
	e.djangoOK("session_delete", map[string]any{"key": key})
	if ok, err := e.store.Exists(ctx, key); ok || err != nil {
		t.Errorf("Go Exists after Django's delete: %v, %v", ok, err)
	}
	if _, ok := e.goLoad(key); ok {
		t.Error("Go loads a session Django deleted")
	}
	if len(e.warnings.records) != 0 {
		t.Errorf("warnings logged: %v", e.warnings.records)
	}
}

func testDBExpiry(t *testing.T, e *dbLiveEnv) {
	ctx := context.Background()
	t0 := time.Date(2024, 11, 2, 12, 0, 0, 123456000, time.UTC)
	e.now = t0
	// Django and Go each write a session that expires after 5 seconds.
	dkey := e.djangoOK("session_save", map[string]any{"key": nil, "json": `{"x":1}`, "expiry": map[string]any{"seconds": 5}})["key"].(string)
	gd := mustDict(t, `{"y":2}`)
	e.opts.Expiry.SetExpiry(gd, 5, e.now)
	gkey, err := engines.Create(ctx, e.store, gd)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		at      time.Duration
		visible bool
	}{{4*time.Second + 999999*time.Microsecond, true}, {5 * time.Second, false}, {6 * time.Second, false}} {
		e.now = t0.Add(step.at)
		for _, key := range []string{dkey, gkey} {
			if _, ok := e.goLoad(key); ok != step.visible {
				t.Errorf("at +%v Go Load(%s) = %v, want %v", step.at, key, ok, step.visible)
			}
			if r := e.djangoLoad(key); r["found"] != step.visible {
				t.Errorf("at +%v Django load(%s) found = %v, want %v", step.at, key, r["found"], step.visible)
			}
			// exists() ignores expiry, in Django and in Go.
			if ok, _ := e.store.Exists(ctx, key); !ok {
				t.Errorf("Go Exists(%s) = false for an expired row", key)
			}
			if r := e.djangoOK("session_exists", map[string]any{"key": key}); r["exists"] != true {
				t.Errorf("Django exists(%s) = %v", key, r["exists"])
			}
		}
	}
	if e.p.Series != "3.2" {
		// An absolute expiry set by Django (datetime, stored as ISO text), read by Go.
		e.now = t0
		at := t0.Add(90 * time.Minute)
		k := e.djangoOK("session_save", map[string]any{"key": nil, "json": `{}`, "expiry": map[string]any{"at": dbUnix(at)}})["key"].(string)
		r := e.sameRow(k)
		if !r.ExpireDate.Equal(at) {
			t.Errorf("absolute expiry: Go reads %v, want %v", r.ExpireDate, at)
		}
		d, ok := e.goLoad(k)
		if !ok {
			t.Fatal("Go cannot load Django's absolute-expiry session")
		}
		if got, err := e.store.ExpireDate(d, e.now); err != nil || !got.Equal(r.ExpireDate) {
			t.Errorf("Go's ExpireDate for Django's absolute expiry: %v, %v; stored %v", got, err, r.ExpireDate)
		}
	}
}

func testDBClear(t *testing.T, e *dbLiveEnv) {
	ctx := context.Background()
	e.now = time.Date(2025, 1, 15, 8, 0, 0, 0, time.UTC)
	e.djangoOK("db_flush", map[string]any{})
	mk := func(byGo bool, secs int) string {
		if byGo {
			d := mustDict(t, `{}`)
			e.opts.Expiry.SetExpiry(d, secs, e.now)
			k, err := engines.Create(ctx, e.store, d)
			if err != nil {
				t.Fatal(err)
			}
			return k
		}
		return e.djangoOK("session_save", map[string]any{"key": nil, "json": `{}`, "expiry": map[string]any{"seconds": secs}})["key"].(string)
	}
	live := []string{mk(true, 100), mk(false, 100), mk(true, 10), mk(false, 10)} // the last two expire exactly at +10s
	// Two that expire before the clearsessions below (check then finds only live).
	mk(true, 5)
	mk(false, 5)
	e.now = e.now.Add(10 * time.Second) // expire_date < now: only the 5-second ones
	check := func(who string) {
		var keys []string
		if err := e.store.Records(ctx, func(r db.Record) error { keys = append(keys, r.Key); return nil }); err != nil {
			t.Fatal(err)
		}
		want := slices.Clone(live)
		slices.Sort(want)
		slices.Sort(keys)
		if !slices.Equal(keys, want) {
			t.Errorf("after %s clearsessions: rows %v, want %v", who, keys, want)
		}
	}
	e.djangoOK("clearsessions", map[string]any{})
	check("Django")
	gone := []string{mk(true, -20), mk(false, -20)} // already expired at creation
	n, err := e.store.ClearExpiredCount(ctx)
	if err != nil || n != 2 {
		t.Errorf("Go ClearExpiredCount = %d, %v; want 2", n, err)
	}
	check("Go")
	for _, k := range gone {
		if e.row(k) != nil {
			t.Errorf("Django still sees %s after Go's clear", k)
		}
	}
}

func mustDict(t testing.TB, js string) *serializer.Dict {
	t.Helper()
	v, err := serializer.DecodeJSON([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return v.Dict()
}
