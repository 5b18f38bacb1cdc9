package caches

import (
	"encoding/base64"
	"math"
	"time"

	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/signing"
)

// DatabaseCache is the value codec of Django's DatabaseCache: the value column holds
// base64.b64encode(pickle.dumps(value, pickle.HIGHEST_PROTOCOL)), standard base64 with
// padding, as ASCII text.
//
// Django up to 6.0 reads it with base64.b64decode(value), which skips characters outside
// the alphabet; Django 6.1 passes validate=True and rejects them. Strict selects the 6.1
// behaviour.
type DatabaseCache struct {
	Protocol int // pickle protocol; 0 means 5
	Strict   bool
	Limits   Limits
}

// Encode returns the text of the value column for v.
func (c DatabaseCache) Encode(v serializer.Value) (string, error) {
	p, err := pickleDumps(v, c.Protocol, 5)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(p), nil
}

// Decode reads the text of a value column.
func (c DatabaseCache) Decode(text string) (serializer.Value, error) {
	var raw []byte
	var err error
	if c.Strict {
		raw, err = signing.B64DecodeStdStrict(text)
	} else {
		raw, err = signing.B64DecodeStd(text)
	}
	if err != nil {
		return serializer.Value{}, corrupt("database cache: base64", err)
	}
	return pickleLoads(raw, c.Limits)
}

// DatabaseCacheNever is the expires of an entry set with timeout None: datetime.max with
// its microseconds dropped.
var DatabaseCacheNever = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// DatabaseCacheExpires returns the expires column DatabaseCache writes for an entry set
// at now (a time.time() value: see [PyTime]) with the timeout in seconds (never: timeout
// None), as an instant in UTC: now + timeout (a timeout of 0 counts as -1, as in BaseCache
// .get_backend_timeout), read by datetime.fromtimestamp (rounded half-even to
// microseconds), then truncated to whole seconds. With USE_TZ = False Django stores the
// same instant as naive local time: convert it with In(time.Local).
func DatabaseCacheExpires(now, timeout float64, never bool) time.Time {
	if never {
		return DatabaseCacheNever
	}
	if timeout == 0 {
		timeout = -1
	}
	t := now + timeout
	sec := math.Floor(t)
	us := math.RoundToEven((t - sec) * 1e6)
	if us >= 1e6 {
		sec++
	}
	return time.Unix(int64(sec), 0).UTC()
}

// DatabaseCacheExpired tells whether DatabaseCache.get treats a row with this expires as
// missing at now (expires < now; has_key compares with now truncated to seconds).
func DatabaseCacheExpired(expires, now time.Time) bool {
	return expires.Before(now)
}
