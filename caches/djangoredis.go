package caches

import (
	"errors"

	"github.com/djsession/djsession/serializer"
)

// DjangoRedisSerializer is one of django-redis's serializers (OPTIONS["SERIALIZER"]).
type DjangoRedisSerializer uint8

// The django-redis serializers.
const (
	// PickleSerializer is django_redis.serializers.pickle.PickleSerializer (the default):
	// pickle.dumps(value, PICKLE_VERSION), pickle.DEFAULT_PROTOCOL (4 on Python < 3.14)
	// unless OPTIONS["PICKLE_VERSION"] says otherwise.
	PickleSerializer DjangoRedisSerializer = iota
	// JSONSerializer is django_redis.serializers.json.JSONSerializer: json.dumps(value,
	// cls=DjangoJSONEncoder), UTF-8 (see [DjangoJSON]).
	JSONSerializer
	// MsgPackSerializer is django_redis.serializers.msgpack.MSGPackSerializer:
	// msgpack.dumps(value) and msgpack.loads(value, raw=False) (see [MsgPack]).
	MsgPackSerializer
)

// DjangoRedis is the value codec of the django-redis package (django_redis.cache.RedisCache
// with its DefaultClient): an int that is not a bool is stored raw (redis-py sends its
// digits); anything else is compressor.compress(serializer.dumps(value)). Reading tries
// int(value) first, then decompresses (a value the compressor cannot read is taken as
// stored uncompressed, as short values are), then loads.
//
// The zero value is django-redis's default configuration on Python < 3.14: the pickle
// serializer with protocol 4 and no compression.
type DjangoRedis struct {
	Serializer DjangoRedisSerializer
	Compressor Compressor
	// PickleVersion is OPTIONS["PICKLE_VERSION"]; 0 means pickle.DEFAULT_PROTOCOL, 4 (use
	// 5 for Python 3.14+, serializer.PickleProtocol0 for protocol 0).
	PickleVersion int
	Limits        Limits
}

// Encode returns the bytes django-redis stores for v.
func (c DjangoRedis) Encode(v serializer.Value) ([]byte, error) {
	if v.Kind() == serializer.KindInt {
		return appendInt(nil, v), nil
	}
	var data []byte
	var err error
	switch c.Serializer {
	case PickleSerializer:
		data, err = pickleDumps(v, c.PickleVersion, 4)
	case JSONSerializer:
		data, err = DjangoJSON{}.Encode(v)
	case MsgPackSerializer:
		data, err = MsgPack{}.Encode(v)
	default:
		err = unsupported("unknown django-redis serializer")
	}
	if err != nil {
		return nil, err
	}
	return c.Compressor.Compress(data)
}

// Decode reads a value stored by django-redis.
func (c DjangoRedis) Decode(data []byte) (serializer.Value, error) {
	if v, ok := ParsePythonInt(data); ok {
		return v, nil
	}
	raw, err := c.Compressor.Decompress(data, c.Limits)
	if errors.Is(err, ErrTooLarge) || errors.Is(err, ErrUnsupported) {
		return serializer.Value{}, err
	}
	if err != nil {
		raw = data // django-redis suppresses CompressorError: short values are not compressed
	}
	switch c.Serializer {
	case PickleSerializer:
		return pickleLoads(raw, c.Limits)
	case JSONSerializer:
		return DjangoJSON{}.Decode(raw)
	case MsgPackSerializer:
		return MsgPack{Limits: c.Limits}.Decode(raw)
	}
	return serializer.Value{}, unsupported("unknown django-redis serializer")
}
