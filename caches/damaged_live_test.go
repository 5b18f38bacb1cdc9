package caches

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/djsession/djsession/serializer"
)

// TestLiveDamagedValues holds every format's decoder to the real library's on damaged
// stored values: values Go encoded, with bytes flipped, added, cut or dropped (and, for
// the memcached clients, their flags changed). Where the library fails, Go must fail;
// where it reads a value, Go must read the same value, unless Go refuses it over one of its
// limits (ErrTooLarge) or for a datetime, date, time or UUID out of range (see
// serializer.UnpickleWith).
func TestLiveDamagedValues(t *testing.T) {
	p := startCachePeer(t)
	formats := liveFormats()
	const rounds = 300
	for _, format := range formats {
		t.Run(strings.ReplaceAll(format, ":", "_"), func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, uint64(len(format))))
			g := valueGen{r: r, pickle: !strings.Contains(format, ":json:") && !strings.Contains(format, ":msgpack:"),
				json: strings.Contains(format, ":json:")}
			enc, dec := liveCodec(t, format)
			var read, refused, allowed int
			for i := range rounds {
				data, flags, err := enc(g.session())
				if err != nil {
					t.Fatal(err)
				}
				data = damageBytes(r, data)
				if flags != nil && r.IntN(4) == 0 {
					f := *flags ^ 1<<r.IntN(5)
					flags = &f
				}
				goV, goErr := dec(data, flags)
				req := fmt.Sprintf(`{"op":"decode","format":%q,"hex":%q`, format, hex.EncodeToString(data))
				if flags != nil {
					req += fmt.Sprintf(`,"flags":%d`, *flags)
				}
				rep := p.call(t, req+"}")
				switch {
				case rep.Error != "" && goErr != nil:
					refused++
				case rep.Error != "":
					if strings.HasPrefix(rep.Error, "ZoneInfoNotFoundError") {
						allowed++ // (Go keeps a zoneinfo key it cannot check)
						continue
					}
					t.Errorf("round %d: the library refuses %x (flags %v): %s; Go reads %v", i, data, flags, rep.Error, goV)
				case goErr != nil:
					if format == "pymemcache" && string(rep.Value) == "null" {
						refused++ // (pymemcache reads an unreadable pickle as None; so does memcache.Cache.Get)
						continue
					}
					if errors.Is(goErr, ErrTooLarge) || strings.Contains(goErr.Error(), "out of range") {
						allowed++
						continue
					}
					t.Errorf("round %d: Go refuses %x (flags %v): %v; the library reads %s", i, data, flags, goErr, rep.Value)
				default:
					if want := mustTagged(t, string(rep.Value)); !serializer.Equal(goV, want) {
						t.Errorf("round %d: %x (flags %v): Go reads %v, the library %v", i, data, flags, goV, want)
					}
					read++
				}
			}
			t.Logf("%d damaged values: %d read alike, %d refused by both, %d refused by one side as documented", rounds, read, refused, allowed)
		})
	}
}

// damageBytes makes one to three random edits to b: a bit flipped, a byte added, some
// dropped, the end cut, or bytes added at the end.
func damageBytes(r *rand.Rand, b []byte) []byte {
	b = append([]byte(nil), b...)
	for n := 1 + r.IntN(3); n > 0; n-- {
		i := r.IntN(len(b) + 1)
		switch r.IntN(5) {
		case 0:
			if i < len(b) {
				b[i] ^= 1 << r.IntN(8)
			}
		case 1:
			b = append(b[:i], append([]byte{byte(r.IntN(256))}, b[i:]...)...)
		case 2:
			b = append(b[:i], b[min(len(b), i+1+r.IntN(3)):]...)
		case 3:
			b = b[:i]
		default:
			b = append(b, "\x00\x01garbage"[:1+r.IntN(9)]...)
		}
	}
	return b
}

// TestLiveLZ4Blocks holds lz4Block to liblz4's LZ4_decompress_safe (python-lz4's
// lz4.block.decompress into 64 KiB, the buffer LZ4F decodes a block into) on damaged
// blocks: the same refused, the same bytes read. Blocks with a zero offset are left out
// (liblz4 copies bytes it never wrote; Go refuses them).
func TestLiveLZ4Blocks(t *testing.T) {
	p := startCachePeer(t)
	r := rand.New(rand.NewPCG(9, 9))
	g := valueGen{r: r, json: true}
	var read, refused int
	for i := range 3000 {
		js, err := DjangoJSON{}.Encode(g.session())
		if err != nil {
			t.Fatal(err)
		}
		data := lz4Frame(bytes.Repeat(js, 1+r.IntN(3)))
		block := damageBytes(r, data[19:len(data)-4]) // (the frame's first block, by our writer's layout)
		if len(block) == 0 || hasZeroOffset(block) {
			continue
		}
		got, goErr := lz4Block(nil, block, nil, 64<<10)
		rep := p.call(t, fmt.Sprintf(`{"op":"lz4_block","hex":%q}`, hex.EncodeToString(block)))
		switch {
		case rep.Error != "" && goErr != nil:
			refused++
		case rep.Error != "":
			t.Errorf("case %d: liblz4 refuses %x (%s); Go reads %x", i, block, rep.Error, got)
		case goErr != nil:
			t.Errorf("case %d: Go refuses %x (%v); liblz4 reads %s", i, block, goErr, rep.Hex)
		case hex.EncodeToString(got) != rep.Hex:
			t.Errorf("case %d: %x: Go reads %x, liblz4 %s", i, block, got, rep.Hex)
		default:
			read++
		}
	}
	t.Logf("damaged LZ4 blocks: %d read alike, %d refused by both", read, refused)
}

// hasZeroOffset reports whether the sequences of block, read as far as they go, hold a
// match with offset 0.
func hasZeroOffset(b []byte) bool {
	for ip := 0; ip < len(b); {
		t := b[ip]
		ip++
		n := int(t >> 4)
		for x := byte(255); n >= 15 && x == 255 && ip < len(b); ip++ {
			x = b[ip]
			n += int(x)
		}
		ip += n
		if ip+2 > len(b) {
			return false
		}
		if b[ip] == 0 && b[ip+1] == 0 {
			return true
		}
		ip += 2
		if t&15 == 15 {
			for ip < len(b) && b[ip] == 255 {
				ip++
			}
			ip++
		}
	}
	return false
}
