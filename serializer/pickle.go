package serializer

import (
	"errors"
	"fmt"
)

// ErrInvalidPickle is matched (errors.Is) by every error of [UnpickleWith] and
// [Pickle.Loads]: malformed or truncated input, a type the decoder does not build, a
// refused global, or an exceeded limit.
var ErrInvalidPickle = errors.New("serializer: invalid pickle")

// ErrRefusedGlobal is matched by the error for a pickle that names a Python global
// (class or function) outside the session types: a Django lazy string, a model instance,
// any arbitrary class. Nothing is ever called or imported; the error names the global.
var ErrRefusedGlobal = errors.New("serializer: pickle: refused global")

// ErrPickleLimit is matched by the error for input beyond one of the [PickleOptions]
// limits.
var ErrPickleLimit = errors.New("serializer: pickle exceeds a limit")

// PickleError tells where and why a pickle was rejected.
type PickleError struct {
	Offset int    // byte offset of the opcode in the input
	Msg    string // what was wrong
	Global string // the refused global ("module.name"), for ErrRefusedGlobal
	limit  bool
}

func (e *PickleError) Error() string {
	if e.Global != "" {
		return fmt.Sprintf("serializer: pickle: refusing global %s (offset %d)", e.Global, e.Offset)
	}
	return fmt.Sprintf("serializer: pickle: %s (offset %d)", e.Msg, e.Offset)
}

// Is matches ErrInvalidPickle always, ErrRefusedGlobal for refused globals and
// ErrPickleLimit for exceeded limits.
func (e *PickleError) Is(target error) bool {
	switch target {
	case ErrInvalidPickle:
		return true
	case ErrRefusedGlobal:
		return e.Global != ""
	case ErrPickleLimit:
		return e.limit
	}
	return false
}

// PickleOptions bounds what the decoder accepts and picks the encoder's protocol. The
// zero value means the defaults.
type PickleOptions struct {
	// Protocol is the protocol Dumps writes, 0 to 5. 0 in this struct means the default,
	// 5 (pickle.HIGHEST_PROTOCOL, as Django's PickleSerializer, RedisCache and memcached
	// backends use); use [PickleProtocol0] for protocol 0. django-redis uses 4 on Python
	// < 3.14 (pickle.DEFAULT_PROTOCOL).
	Protocol int
	// MaxInputSize is the largest pickle Loads reads, in bytes (default 16 MiB).
	MaxInputSize int
	// MaxDepth bounds the nesting of containers (default 1000, about CPython's recursion
	// limit, beyond which Python could not use or re-pickle the value anyway).
	MaxDepth int
	// MaxMemo bounds memo indexes (PUT/BINPUT/MEMOIZE; default 1<<20).
	MaxMemo int
	// MaxIntBytes bounds the size of one int (LONG1/LONG4 length, or the digits of a text
	// int divided by 2.4); default 8192 bytes, about 19700 decimal digits.
	MaxIntBytes int
	// MaxContainers bounds the number of containers and objects built (lists, dicts,
	// tuples, sets, datetimes...; default 1<<18), so that a small hostile pickle cannot
	// make the decoder allocate far more than its own size.
	MaxContainers int
	// Stream reads as pickle.Unpickler(io.BytesIO(data)).load() does (pymemcache reads
	// values so) rather than as pickle.loads. The two differ only on damaged pickles: a
	// stream reader holds a frame's bytes apart, and takes what an opcode lacks at the
	// frame's end from after the frame, dropping the frame's rest.
	Stream bool
}

// PickleProtocol0 is the Protocol value that selects protocol 0 (0 means the default).
const PickleProtocol0 = -1

// Default limits of [PickleOptions].
const (
	DefaultPickleMaxInputSize  = 16 << 20
	DefaultPickleMaxDepth      = 1000
	DefaultPickleMaxMemo       = 1 << 20
	DefaultPickleMaxIntBytes   = 8192
	DefaultPickleMaxContainers = 1 << 18
)

func (o PickleOptions) withDefaults() PickleOptions {
	if o.Protocol == 0 {
		o.Protocol = 5
	} else if o.Protocol == PickleProtocol0 {
		o.Protocol = 0
	}
	if o.MaxInputSize <= 0 {
		o.MaxInputSize = DefaultPickleMaxInputSize
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultPickleMaxDepth
	}
	if o.MaxMemo <= 0 {
		o.MaxMemo = DefaultPickleMaxMemo
	}
	if o.MaxIntBytes <= 0 {
		o.MaxIntBytes = DefaultPickleMaxIntBytes
	}
	if o.MaxContainers <= 0 {
		o.MaxContainers = DefaultPickleMaxContainers
	}
	return o
}

// Pickle is Django's PickleSerializer (django.contrib.sessions.serializers.PickleSerializer
// up to 4.2; removed in 5.0): pickle.dumps(obj, pickle.HIGHEST_PROTOCOL), which is
// protocol 5, and pickle.loads. Its zero value is ready to use; Options changes the
// protocol and the decoder's limits.
//
// Only the types of [Value] are read and written: any other Python global in the input is
// refused with an error naming it, never imported or called. Unlike Python's pickle, this
// makes the serializer safe for data an attacker may have written, but as in Django, a
// session pickle is trusted only after its signature is checked.
type Pickle struct {
	Options PickleOptions
}

// Dumps returns the pickle of v.
func (p Pickle) Dumps(v Value) ([]byte, error) {
	return PickleWith(v, p.Options)
}

// AppendDumps appends the pickle of v to dst.
func (p Pickle) AppendDumps(dst []byte, v Value) ([]byte, error) {
	return AppendPickle(dst, v, p.Options)
}

// Loads reads a pickle.
func (p Pickle) Loads(data []byte) (Value, error) {
	return UnpickleWith(data, p.Options)
}

// PickleDumps is [PickleWith] with the default options (protocol 5), as pickle.dumps(v,
// pickle.HIGHEST_PROTOCOL).
func PickleDumps(v Value) ([]byte, error) { return PickleWith(v, PickleOptions{}) }

// PickleLoads is [UnpickleWith] with the default limits.
func PickleLoads(data []byte) (Value, error) { return UnpickleWith(data, PickleOptions{}) }
