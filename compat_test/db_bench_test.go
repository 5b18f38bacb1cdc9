package compat_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/djsession/djsession/engines/db"
	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

// BenchmarkOverheadDB measures engines/db against the bare driver query on the same
// connection pool, interleaved in one loop (see pairBench): load = Store.Load (SELECT,
// verify, inflate, decode) against the bare SELECT of session_data; save = Store.Save of
// an existing session (encode, sign, UPDATE) against the bare UPDATE of the same bytes.
// The session is the typical one of fixtures/bench. PostgreSQL and MariaDB run when
// scripts/services started them.
func BenchmarkOverheadDB(b *testing.B) {
	for _, backend := range dbBackends() {
		b.Run(backend.name, func(b *testing.B) {
			x := setupBench(b, backend)
			ctx := context.Background()
			d := x.s.Dialect()
			load := func() error {
				_, ok, err := x.s.Load(ctx, x.key)
				if err == nil && !ok {
					err = errors.New("session not found")
				}
				return err
			}
			save := func() error { return x.s.Save(ctx, x.key, x.data, false) }
			selectData := func() (data string, err error) {
				now := d.TimeValue(time.Now().UTC(), nil)
				if x.h.pool != nil {
					err = x.h.pool.QueryRow(ctx, x.qSel, x.key, now).Scan(&data)
				} else {
					err = x.h.sqlDB.QueryRowContext(ctx, x.qSel, x.key, now).Scan(&data)
				}
				return data, err
			}
			update := func(value string) (err error) {
				exp := d.TimeValue(time.Now().UTC().Add(14*24*time.Hour), nil)
				if x.h.pool != nil {
					_, err = x.h.pool.Exec(ctx, x.qUpd, value, exp, x.key)
				} else {
					_, err = x.h.sqlDB.ExecContext(ctx, x.qUpd, value, exp, x.key)
				}
				return err
			}
			b.Run("load", func(b *testing.B) {
				pairBench(b, load, func() error {
					_, err := selectData()
					return err
				})
			})
			// The same pairs with the codec work added to the bare side: what the engine
			// costs beyond the query and the (unavoidable) verifying and decoding, or
			// encoding and signing.
			b.Run("load-vs-select+decode", func(b *testing.B) {
				pairBench(b, load, func() error {
					data, err := selectData()
					if err == nil {
						_, err = x.codec.DecodeErr(data)
					}
					return err
				})
			})
			b.Run("save", func(b *testing.B) {
				pairBench(b, save, func() error { return update(x.value) })
			})
			b.Run("save-vs-encode+update", func(b *testing.B) {
				pairBench(b, save, func() error {
					value, err := x.codec.Encode(x.data)
					if err != nil {
						return err
					}
					return update(value)
				})
			})
		})
	}
}

type benchDB struct {
	h     *dbHandle
	s     *db.Store
	key   string
	data  *serializer.Dict
	qSel  string
	qUpd  string
	value string
	codec *session.Codec
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
	d := typicalSession(b)
	key := "benchkeybenchkeybenchkeybenchkey"
	if err := s.Save(ctx, key, d, true); err != nil {
		b.Fatal(err)
	}
	rec, _, _ := s.Get(ctx, key)
	p := h.placeholder
	return &benchDB{h: h, s: s, key: key, data: d, value: rec.Data, codec: opts.Codec,
		qSel: "SELECT session_data FROM " + h.quote(table) + " WHERE session_key = " + p(1) + " AND expire_date > " + p(2),
		qUpd: "UPDATE " + h.quote(table) + " SET session_data = " + p(1) + ", expire_date = " + p(2) + " WHERE session_key = " + p(3)}
}

// BenchmarkDecodeOnly is the codec's share of Load: verifying, inflating and decoding the
// stored session_data of the typical session, without the database.
func BenchmarkDecodeOnly(b *testing.B) {
	now := time.Now()
	opts := dbOptions(b, true, &now, "x", nil)
	d := typicalSession(b)
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
