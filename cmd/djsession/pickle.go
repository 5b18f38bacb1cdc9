package main

import (
	"flag"
	"fmt"

	"github.com/djsession/djsession/serializer"
)

// serializerChoice is the --serializer flag: json (Django's JSONSerializer, the default)
// or pickle (PickleSerializer, Django <= 4.2). With pickle, values are read and printed in
// tagged JSON (docs/tagged-json.md), which also carries tuples, sets, bytes, datetimes,
// Decimal and UUID; with json, plain JSON as before.
type serializerChoice struct{ name string }

func (s *serializerChoice) String() string { return s.name }

func (s *serializerChoice) Set(v string) error {
	switch v {
	case "json", "pickle":
		s.name = v
		return nil
	}
	return fmt.Errorf("unknown serializer %q (want json or pickle)", v)
}

func serializerFlag(fs *flag.FlagSet) *serializerChoice { return serializerFlagAs(fs, "serializer") }

// serializerFlagAs defines the serializer flag under another name.
func serializerFlagAs(fs *flag.FlagSet, name string) *serializerChoice {
	s := &serializerChoice{name: "json"}
	fs.Var(s, name, "the session/signing `serializer`: json, or pickle (values in tagged JSON)")
	return s
}

func (s *serializerChoice) serializer() serializer.Serializer {
	if s.name == "pickle" {
		return serializer.Pickle{}
	}
	return serializer.JSON{}
}

// parse reads a value given on the command line.
func (s *serializerChoice) parse(text string) (serializer.Value, error) {
	if s.name == "pickle" {
		return serializer.DecodeTaggedJSON(text)
	}
	return serializer.DecodeJSONText(text)
}

// format prints a value.
func (s *serializerChoice) format(v serializer.Value) ([]byte, error) {
	if s.name == "pickle" {
		return serializer.EncodeTaggedJSON(v)
	}
	return serializer.EncodeJSON(v)
}
