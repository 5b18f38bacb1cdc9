package caches

import (
	"bytes"
	"compress/zlib"
	"errors"
	"testing"

	"github.com/djsession/djsession/serializer"
)

// seedFuzz adds the fixture bytes of the formats whose name has the prefix.
func seedFuzz(f *testing.F, prefix string, withFlags bool) {
	for _, fx := range loadCacheFixtures(f) {
		for format, entries := range fx.Formats {
			if len(format) < len(prefix) || format[:len(prefix)] != prefix {
				continue
			}
			for i, e := range entries {
				if e.Data == "" || len(e.Data) > 4096 || i%3 != 0 {
					continue
				}
				if withFlags {
					var fl uint32
					if e.Flags != nil {
						fl = *e.Flags
					}
					f.Add(unhex(f, e.Data), fl)
				} else {
					f.Add(unhex(f, e.Data))
				}
			}
		}
	}
}

// checkDecodeErr fails on an error that matches none of the package's error kinds.
func checkDecodeErr(t *testing.T, err error) {
	if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) {
		t.Fatalf("unclassified error: %v", err)
	}
}

var fuzzLimits = Limits{MaxDecompressedSize: 1 << 20}

func FuzzRedisDecode(f *testing.F) {
	seedFuzz(f, "redis", false)
	f.Add([]byte(" 12 "))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := RedisSerializer{Limits: fuzzLimits}.Decode(data)
		checkDecodeErr(t, err)
		if err == nil {
			if _, err := (RedisSerializer{}).Encode(v); err != nil {
				t.Fatalf("re-encode %v: %v", v, err)
			}
		}
	})
}

func FuzzDjangoRedisDecode(f *testing.F) {
	seedFuzz(f, "django_redis", false)
	f.Fuzz(func(t *testing.T, data []byte) {
		for s := PickleSerializer; s <= MsgPackSerializer; s++ {
			for c := Identity; c <= Zstd; c++ {
				_, err := DjangoRedis{Serializer: s, Compressor: c, Limits: fuzzLimits}.Decode(data)
				checkDecodeErr(t, err)
			}
		}
	})
}

func FuzzMsgPackDecode(f *testing.F) {
	seedFuzz(f, "django_redis:msgpack:identity", false)
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := MsgPack{}.Decode(data)
		checkDecodeErr(t, err)
		if err == nil {
			if out, err := (MsgPack{}).Encode(v); err == nil {
				if back, err := (MsgPack{}).Decode(out); err != nil || !serializer.Equal(back, v) {
					t.Fatalf("msgpack round trip of %v: %v, %v", v, back, err)
				}
			}
		}
	})
}

func FuzzDjangoJSONDecode(f *testing.F) {
	seedFuzz(f, "django_redis:json:identity", false)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := DjangoJSON{}.Decode(data)
		checkDecodeErr(t, err)
	})
}

func FuzzMemcacheDecode(f *testing.F) {
	seedFuzz(f, "pymemcache", true)
	seedFuzz(f, "pylibmc", true)
	f.Fuzz(func(t *testing.T, data []byte, flags uint32) {
		_, err := Pymemcache{Limits: fuzzLimits}.Decode(data, flags)
		checkDecodeErr(t, err)
		_, err = Pylibmc{Limits: fuzzLimits}.Decode(data, flags)
		checkDecodeErr(t, err)
	})
}

func FuzzDatabaseCacheDecode(f *testing.F) {
	seedFuzz(f, "db", false)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := DatabaseCache{Limits: fuzzLimits}.Decode(string(data))
		checkDecodeErr(t, err)
		_, err = DatabaseCache{Strict: true, Limits: fuzzLimits}.Decode(string(data))
		checkDecodeErr(t, err)
	})
}

func FuzzFileCacheDecode(f *testing.F) {
	seedFuzz(f, "file", false)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, err := FileCache{Limits: fuzzLimits}.Decode(data)
		checkDecodeErr(t, err)
	})
}

// TestHostileInput checks the bounds: decompression bombs, huge declared lengths and deep
// nesting give errors, not allocations or panics.
func TestHostileInput(t *testing.T) {
	zeros := make([]byte, 8<<20)
	var zb bytes.Buffer
	w := zlib.NewWriter(&zb)
	w.Write(zeros)
	w.Close()
	small := Limits{MaxDecompressedSize: 1 << 20}
	for c := Zlib; c <= Zstd; c++ {
		bomb, err := c.Compress(zeros)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Decompress(bomb, small); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s bomb of %d bytes: %v, want ErrTooLarge", c, len(bomb), err)
		}
		if _, err := (DjangoRedis{Compressor: c, Limits: small}).Decode(bomb); !errors.Is(err, ErrTooLarge) {
			t.Errorf("django-redis %s bomb: %v", c, err)
		}
	}
	file := append([]byte("\x80\x05N."), zb.Bytes()...)
	if _, _, err := (FileCache{Limits: small}).Decode(file); !errors.Is(err, ErrTooLarge) {
		t.Errorf("file cache bomb: %v", err)
	}
	if _, err := (Pylibmc{Limits: small}).Decode(zb.Bytes(), FlagZlib); !errors.Is(err, ErrTooLarge) {
		t.Errorf("pylibmc bomb: %v", err)
	}
	for _, data := range [][]byte{
		{0xdd, 0xff, 0xff, 0xff, 0xff},      // array32 of 4G elements, no input
		{0xdf, 0x7f, 0xff, 0xff, 0xff},      // map32
		{0xdb, 0xff, 0xff, 0xff, 0xff, 'a'}, // str32
		{0xc6, 0xff, 0xff, 0xff, 0xff},      // bin32
		bytes.Repeat([]byte{0x91}, 100000),  // deep nesting
		{0xc7, 0x01, 0xff, 0x00},            // ext
		{0x81, 0x01, 0x02},                  // int map key (strict_map_key)
		{0xa1, 0xff},                        // bad UTF-8
		{0x01, 0x02},                        // trailing data
	} {
		if _, err := (MsgPack{}).Decode(data); !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) {
			t.Errorf("msgpack %x: %v", data[:min(len(data), 8)], err)
		}
	}
	for _, data := range []string{"\x80\x05\x95\xff\xff\xff\xff\xff\xff\xff\x7f", "(((((", "\x80\x05cos\nsystem\n."} {
		if _, err := (RedisSerializer{}).Decode([]byte(data)); !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) {
			t.Errorf("redis %q: %v", data, err)
		}
	}
	if _, err := (RedisSerializer{}).Decode([]byte("\x80\x05cos\nsystem\n.")); !errors.Is(err, serializer.ErrRefusedGlobal) {
		t.Errorf("os.system: %v, want ErrRefusedGlobal", err)
	}
}
