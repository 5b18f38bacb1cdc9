package compat_test

import (
	"encoding/base64"
	"errors"
	"testing"

	"github.com/djsession/djsession/serializer"
)

func TestFixtureJSONDumps(t *testing.T) {
	type c struct {
		Value  typed  `json:"value"`
		JSON   string `json:"json"`
		Loaded *typed `json:"loaded"`
		Error  string `json:"error"`
	}
	eachCase(t, loadFixtures(t, "json"), "dumps", func(t *testing.T, _ fixtureFile, c c) {
		v := c.Value.toValue(t)
		got, err := serializer.EncodeJSON(v)
		if c.Error != "" {
			// Django could not write it (or read it back): Go must not produce something
			// Django would then fail on.
			if err == nil {
				if _, derr := serializer.DecodeJSON(got); derr == nil {
					t.Errorf("Django raised %s; Go wrote and read back %s", c.Error, got)
				}
			}
			return
		}
		if err != nil || string(got) != c.JSON {
			t.Fatalf("EncodeJSON = %s, %v\nDjango       %s", got, err, c.JSON)
		}
		back, err := serializer.DecodeJSON(got)
		if err != nil {
			t.Fatal(err)
		}
		sameValue(t, "DecodeJSON", back, c.Loaded.toValue(t))
	})
}

func TestFixtureJSONLoads(t *testing.T) {
	type c struct {
		Input  string `json:"input_b64"`
		Result string `json:"result"`
		Loaded *typed `json:"loaded"`
	}
	eachCase(t, loadFixtures(t, "json"), "loads", func(t *testing.T, _ fixtureFile, c c) {
		raw, err := base64.StdEncoding.DecodeString(c.Input)
		if err != nil {
			t.Fatal(err)
		}
		got, err := serializer.DecodeJSON(raw)
		if c.Result == "error" {
			if !errors.Is(err, serializer.ErrInvalidJSON) {
				t.Errorf("DecodeJSON(%q) = %v, %v; Django raised", raw, got, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("DecodeJSON(%q): %v", raw, err)
		}
		sameValue(t, "DecodeJSON", got, c.Loaded.toValue(t))
	})
}
