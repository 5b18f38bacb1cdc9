package serializer

// Serializer turns a session (or any signed object) into bytes and back, as Django's
// SESSION_SERIALIZER and signing's serializer argument do.
type Serializer interface {
	// Dumps returns the serialized bytes of v.
	Dumps(v Value) ([]byte, error)
	// Loads reads bytes written by Dumps (or by Django).
	Loads(data []byte) (Value, error)
}

// JSON is Django's JSONSerializer (django.core.signing.JSONSerializer and
// django.contrib.sessions.serializers.JSONSerializer): compact, ASCII-only JSON, read back
// as latin-1. Its zero value is ready to use.
type JSON struct{}

// Dumps returns [EncodeJSON] of v.
func (JSON) Dumps(v Value) ([]byte, error) { return EncodeJSON(v) }

// Loads returns [DecodeJSON] of data.
func (JSON) Loads(data []byte) (Value, error) { return DecodeJSON(data) }

// AppendDumps appends the serialized bytes of v to dst.
func (JSON) AppendDumps(dst []byte, v Value) ([]byte, error) { return AppendJSON(dst, v) }

// LoadsString is Loads on data held in a string, without copying it: the returned value
// may share memory with s.
func (JSON) LoadsString(s string) (Value, error) { return DecodeJSONString(s) }
