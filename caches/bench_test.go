package caches

import (
	"testing"

	"github.com/djsession/djsession/serializer"
)

// benchSession is a typical ~1 KB session dict (the fixtures' "session" value, grown).
func benchSession(b *testing.B) serializer.Value {
	for _, fx := range loadCacheFixtures(b) {
		v := mustTagged(b, fx.Values[0].Value)
		for i := range 8 {
			v.Dict().Set("extra"+string(rune('a'+i)), serializer.Str("some session text of moderate length"))
		}
		return v
	}
	return serializer.Value{}
}

func BenchmarkCodecs(b *testing.B) {
	v := benchSession(b)
	type codec struct {
		name string
		enc  func(serializer.Value) ([]byte, error)
		dec  func([]byte) (serializer.Value, error)
	}
	codecs := []codec{
		{"redis", RedisSerializer{}.Encode, RedisSerializer{}.Decode},
		{"django-redis-pickle", DjangoRedis{}.Encode, DjangoRedis{}.Decode},
		{"django-redis-pickle-zlib", DjangoRedis{Compressor: Zlib}.Encode, DjangoRedis{Compressor: Zlib}.Decode},
		{"django-redis-pickle-lz4", DjangoRedis{Compressor: Lz4}.Encode, DjangoRedis{Compressor: Lz4}.Decode},
		{"django-redis-pickle-zstd", DjangoRedis{Compressor: Zstd}.Encode, DjangoRedis{Compressor: Zstd}.Decode},
		{"django-redis-json", DjangoRedis{Serializer: JSONSerializer}.Encode, DjangoRedis{Serializer: JSONSerializer}.Decode},
		{"django-redis-msgpack", DjangoRedis{Serializer: MsgPackSerializer}.Encode, DjangoRedis{Serializer: MsgPackSerializer}.Decode},
		{"file", func(v serializer.Value) ([]byte, error) { return FileCache{}.Encode(FileExpiry{At: 1.7e9}, v) },
			func(b []byte) (serializer.Value, error) { _, v, err := FileCache{}.Decode(b); return v, err }},
	}
	for _, c := range codecs {
		data, err := c.enc(v)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name+"/encode", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				c.enc(v)
			}
		})
		b.Run(c.name+"/decode", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := c.dec(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
