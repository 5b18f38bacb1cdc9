package caches

import (
	"errors"

	"github.com/djsession/djsession/serializer"
)

// RedisSerializer is the value codec of Django's own Redis backend
// (django.core.cache.backends.redis.RedisCache, Django 4.0+): an exact int (not a bool) is
// stored as its decimal digits, which redis-py sends for an int; anything else is
// pickle.dumps(value, pickle.HIGHEST_PROTOCOL), protocol 5. Reading tries int(data)
// first (see [ParsePythonInt]), then unpickles.
//
// Its zero value is Django's default; Protocol is OPTIONS["serializer"]'s protocol
// argument when a site configures RedisSerializer(protocol=n) (0 means 5).
type RedisSerializer struct {
	Protocol int
	Limits   Limits
}

// Encode returns the bytes RedisCache stores for v.
func (r RedisSerializer) Encode(v serializer.Value) ([]byte, error) {
	if v.Kind() == serializer.KindInt {
		return appendInt(nil, v), nil
	}
	return pickleDumps(v, r.Protocol, 5)
}

// Decode reads a value stored by RedisCache. Digits (with what Python's int() accepts
// around them) read as an int, as in Django; anything else must be a pickle of the
// session types.
func (r RedisSerializer) Decode(data []byte) (serializer.Value, error) {
	if v, ok := ParsePythonInt(data); ok {
		return v, nil
	}
	return pickleLoads(data, r.Limits)
}

// pickleDumps pickles v with the protocol: 0 means def, serializer.PickleProtocol0 means
// protocol 0.
func pickleDumps(v serializer.Value, protocol, def int) ([]byte, error) {
	if protocol == 0 {
		protocol = def
	}
	return serializer.PickleWith(v, serializer.PickleOptions{Protocol: protocol})
}

func pickleLoads(data []byte, l Limits) (serializer.Value, error) {
	v, err := serializer.UnpickleWith(data, l.Pickle)
	if errors.Is(err, serializer.ErrPickleLimit) {
		return serializer.Value{}, &codecError{msg: "pickle", kind: ErrTooLarge, err: err}
	}
	if err != nil {
		return serializer.Value{}, corrupt("pickle", err)
	}
	return v, nil
}
