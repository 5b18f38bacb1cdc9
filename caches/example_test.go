package caches_test

import (
	"fmt"

	"github.com/djsession/djsession/caches"
	"github.com/djsession/djsession/serializer"
)

func session() serializer.Value {
	d := serializer.NewDict()
	d.Set("_auth_user_id", serializer.Str("42"))
	d.Set("n", serializer.Int(1))
	return serializer.DictValue(d)
}

// Django's own RedisCache (4.0+): a session dict is a protocol-5 pickle; ints are digits.
func ExampleRedisSerializer() {
	c := caches.RedisSerializer{}
	data, _ := c.Encode(session())
	fmt.Printf("% x\n", data[:3])
	n, _ := c.Encode(serializer.Int(7))
	fmt.Printf("%s\n", n)
	v, _ := c.Decode(data)
	fmt.Println(v)
	// Output:
	// 80 05 95
	// 7
	// {"_auth_user_id": "42", "n": 1}
}

// django-redis with OPTIONS {"SERIALIZER": "...JSONSerializer", "COMPRESSOR": "...ZlibCompressor"}.
func ExampleDjangoRedis() {
	c := caches.DjangoRedis{Serializer: caches.JSONSerializer, Compressor: caches.Zlib}
	data, _ := c.Encode(session())
	fmt.Printf("% x\n", data[:2]) // zlib header: the JSON is longer than 15 bytes
	v, _ := c.Decode(data)
	fmt.Println(v)
	plain, _ := caches.DjangoRedis{Serializer: caches.JSONSerializer}.Encode(session())
	fmt.Printf("%s\n", plain)
	// Output:
	// 78 9c
	// {"_auth_user_id": "42", "n": 1}
	// {"_auth_user_id": "42", "n": 1}
}

// PyMemcacheCache and PyLibMCCache store a value and memcached flags.
func ExamplePymemcache() {
	data, flags, _ := caches.Pymemcache{}.Encode(session())
	fmt.Println(flags, len(data) > 0)
	_, flags, _ = caches.Pylibmc{}.Encode(serializer.Bool(true))
	fmt.Println(flags)
	v, _ := caches.Pylibmc{}.Decode([]byte("1"), flags)
	fmt.Println(v) // pylibmc reads flag 2 back as an int
	// Output:
	// 1 true
	// 2
	// 1
}

// DatabaseCache stores standard base64 of a protocol-5 pickle.
func ExampleDatabaseCache() {
	text, _ := caches.DatabaseCache{}.Encode(serializer.Int(5))
	fmt.Println(text)
	// Output: gAVLBS4=
}

// A FileBasedCache file: its name, and its content (expiry, then the compressed pickle).
func ExampleFileCache() {
	fmt.Println(caches.FileCacheName(":1:django.contrib.sessions.cacheabc"))
	c := caches.FileCache{}
	content, _ := c.Encode(caches.FileCacheExpiry(1700000000.25, 3600, false), session())
	exp, v, _ := c.Decode(content)
	fmt.Println(exp, v)
	// Output:
	// fd2df627c0e8100d1aeab81a22441980.djcache
	// 1700003600.25 {"_auth_user_id": "42", "n": 1}
}
