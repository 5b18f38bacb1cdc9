package compat_test

import (
	"context"
	"testing"
	"time"

	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/serializer"
)

// Benchmarks of engines/db against the bare driver query on the same connection pool in
// the same run: BenchmarkLoad/<db> vs BenchmarkBareSelect/<db>, BenchmarkSave/<db> vs
// BenchmarkBareUpdate/<db>. Load includes verifying and decoding the session (HMAC +
// JSON); Save includes encoding and signing it. PostgreSQL and MariaDB run when
// scripts/services started them.

type benchDB struct {
	h     *dbHandle
	s     *db.Store
	key   string
	data  *serializer.Dict
	qSel  string
	qUpd  string
	value string
}

func setupBench(b *testing.B, backend dbBackend) *benchDB {
	h := backend.open(b)
	now := time.Now()
	table := h.tempTable(b, "djs_bench")
	opts := dbOptions(b, true, &now, table, nil)
	s := h.newStore(b, opts)
	ctx := context.Background()
	if err := s.CreateTable(ctx); err != nil {
		b.Fatal(err)
	}
	d := mustDict(b, `{"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend","_auth_user_hash":"7c1c2a5d2f0b1e7e9a4f3c2b1a09f8e7d6c5b4a3928170f6e5d4c3b2a1908f7e","cart":[1,2,3]}`)
	key := "benchkeybenchkeybenchkeybenchkey"
	if err := s.Save(ctx, key, d, true); err != nil {
		b.Fatal(err)
	}
	rec, _, _ := s.Get(ctx, key)
	p := h.placeholder
	return &benchDB{h: h, s: s, key: key, data: d, value: rec.Data,
		qSel: "SELECT session_data FROM " + h.quote(table) + " WHERE session_key = " + p(1) + " AND expire_date > " + p(2),
		qUpd: "UPDATE " + h.quote(table) + " SET session_data = " + p(1) + ", expire_date = " + p(2) + " WHERE session_key = " + p(3)}
}

func benchEach(b *testing.B, fn func(b *testing.B, x *benchDB)) {
	for _, backend := range dbBackends() {
		b.Run(backend.name, func(b *testing.B) {
			x := setupBench(b, backend)
			b.ReportAllocs()
			b.ResetTimer()
			fn(b, x)
		})
	}
}

func BenchmarkLoad(b *testing.B) {
	benchEach(b, func(b *testing.B, x *benchDB) {
		ctx := context.Background()
		for b.Loop() {
			if _, ok, err := x.s.Load(ctx, x.key); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
}

func BenchmarkBareSelect(b *testing.B) {
	benchEach(b, func(b *testing.B, x *benchDB) {
		ctx := context.Background()
		d := x.s.Dialect()
		for b.Loop() {
			var data string
			now := d.TimeValue(time.Now().UTC(), nil)
			var err error
			if x.h.pool != nil {
				err = x.h.pool.QueryRow(ctx, x.qSel, x.key, now).Scan(&data)
			} else {
				err = x.h.sqlDB.QueryRowContext(ctx, x.qSel, x.key, now).Scan(&data)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkSave(b *testing.B) {
	benchEach(b, func(b *testing.B, x *benchDB) {
		ctx := context.Background()
		for b.Loop() {
			if err := x.s.Save(ctx, x.key, x.data, false); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkBareUpdate(b *testing.B) {
	benchEach(b, func(b *testing.B, x *benchDB) {
		ctx := context.Background()
		d := x.s.Dialect()
		for b.Loop() {
			exp := d.TimeValue(time.Now().UTC().Add(14*24*time.Hour), nil)
			var err error
			if x.h.pool != nil {
				_, err = x.h.pool.Exec(ctx, x.qUpd, x.value, exp, x.key)
			} else {
				_, err = x.h.sqlDB.ExecContext(ctx, x.qUpd, x.value, exp, x.key)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDecodeOnly is the codec's share of Load: verifying and decoding the stored
// session_data, without the database.
func BenchmarkDecodeOnly(b *testing.B) {
	now := time.Now()
	opts := dbOptions(b, true, &now, "x", nil)
	d := mustDict(b, `{"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend","_auth_user_hash":"7c1c2a5d2f0b1e7e9a4f3c2b1a09f8e7d6c5b4a3928170f6e5d4c3b2a1908f7e","cart":[1,2,3]}`)
	enc, err := opts.Codec.Encode(d)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := opts.Codec.DecodeErr(enc); err != nil {
			b.Fatal(err)
		}
	}
}
