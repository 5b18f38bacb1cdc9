package simplejwt

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/djsession/djsession/serializer"
)

// typedValue is the fixtures' description of a Python value (djoracle.typed).
type typedValue struct {
	T  string          `json:"t"`
	V  json.RawMessage `json:"v"`
	U8 string          `json:"u8"`
}

func (x typedValue) value(t *testing.T) serializer.Value {
	t.Helper()
	var s string
	switch x.T {
	case "none":
		return serializer.None()
	case "bool":
		return serializer.Bool(string(x.V) == "true")
	case "int":
		json.Unmarshal(x.V, &s)
		n, ok := new(big.Int).SetString(s, 10)
		if !ok {
			t.Fatalf("int %q", s)
		}
		return serializer.BigInt(n)
	case "float":
		json.Unmarshal(x.V, &s)
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		return serializer.Float(f)
	case "str":
		b, err := hex.DecodeString(x.U8)
		if err != nil {
			t.Fatal(err)
		}
		return serializer.Str(string(b))
	case "list":
		var items []typedValue
		json.Unmarshal(x.V, &items)
		vs := make([]serializer.Value, len(items))
		for i, it := range items {
			vs[i] = it.value(t)
		}
		return serializer.List(vs...)
	case "dict":
		var pairs [][2]typedValue
		json.Unmarshal(x.V, &pairs)
		d := serializer.NewDict()
		for _, p := range pairs {
			d.SetKey(p[0].value(t), p[1].value(t))
		}
		return serializer.DictValue(d)
	}
	t.Fatalf("typed %q", x.T)
	return serializer.Value{}
}

// jwtFixture is a file of fixtures/simplejwt (scripts/gen-simplejwt-fixtures).
type jwtFixture struct {
	SimpleJWT map[string]any `json:"simple_jwt"`
	Version   string         `json:"simplejwt"`
	Encode    []struct {
		Payload typedValue
		Token   string
	}
	Check []struct {
		Name, Token string
		Results     map[string]struct {
			Payload *typedValue
			Message *string
			Error   *string
		}
	}
}

// fixtureSettings is the Settings of a fixture's SIMPLE_JWT (the keys the generator sets).
func fixtureSettings(t *testing.T, f *jwtFixture) *Settings {
	s := Defaults("djsession-auth-db-secret-key")
	if f.Version < "5.4" {
		s.Version = "5.3"
	}
	for k, v := range f.SimpleJWT {
		switch k {
		case "ALGORITHM":
			s.Algorithm = v.(string)
		case "SIGNING_KEY":
			s.SigningKey = v.(string)
		case "AUDIENCE":
			s.Audience = serializer.Str(v.(string))
		case "ISSUER":
			s.Issuer = v.(string)
		case "LEEWAY":
			s.Leeway = time.Duration(v.(float64)) * time.Second
		case "USER_ID_CLAIM":
			s.UserIDClaim = v.(string)
		case "CHECK_REVOKE_TOKEN":
			s.CheckRevokeToken = v.(bool)
		case "ACCESS_TOKEN_LIFETIME":
			s.AccessTokenLifetime = time.Duration(v.(float64)) * time.Second
		case "AUTH_HEADER_TYPES":
			s.AuthHeaderTypes = nil
			for _, h := range v.([]any) {
				s.AuthHeaderTypes = append(s.AuthHeaderTypes, h.(string))
			}
		default:
			t.Fatalf("setting %s", k)
		}
	}
	// (Any time between the tokens' iat, 2023, and their exp, 2033, gives the results.)
	s.Now = func() time.Time { return time.Unix(1800000000, 0) }
	return s
}

// TestFixtures holds Encode and Parse to the tokens simplejwt 5.3.1 and 5.5.1 wrote and
// read (fixtures/simplejwt): random payloads written into the same bytes, and tokens wrong
// in every way simplejwt notices read as simplejwt reads them as each type (the same
// claims, the same message, or a server error).
func TestFixtures(t *testing.T) {
	files, _ := filepath.Glob("../../fixtures/simplejwt/simplejwt-*.json")
	if len(files) < 4 {
		t.Fatalf("%d fixture files", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var f jwtFixture
			if err := json.Unmarshal(data, &f); err != nil {
				t.Fatal(err)
			}
			s := fixtureSettings(t, &f)
			for i, c := range f.Encode {
				v := c.Payload.value(t)
				if got, err := s.Encode(v.Dict()); err != nil || got != c.Token {
					t.Errorf("encode %d %s: %q, %v; want %q", i, v, got, err, c.Token)
				}
			}
			kinds := map[string]bool{}
			for _, c := range f.Check {
				for typ, want := range c.Results {
					tok, err := s.Parse(typ, c.Token)
					var te *TokenError
					switch {
					case want.Payload != nil:
						kinds["valid"] = true
						if err != nil {
							t.Errorf("%s as %s: %v", c.Name, typ, err)
						} else if w := want.Payload.value(t); !serializer.Equal(w, serializer.DictValue(tok.Payload)) {
							t.Errorf("%s as %s: %s; want %s", c.Name, typ, serializer.DictValue(tok.Payload), w)
						}
					case want.Message != nil:
						kinds[*want.Message] = true
						if !errors.As(err, &te) || te.Message != *want.Message {
							t.Errorf("%s as %s: %v; want %q", c.Name, typ, err, *want.Message)
						}
					default:
						kinds["error"] = true
						if err == nil || errors.As(err, &te) {
							t.Errorf("%s as %s: %v; want a server error (%s)", c.Name, typ, err, *want.Error)
						}
					}
				}
			}
			if len(kinds) < 6 {
				t.Errorf("outcomes: %v", kinds)
			}
		})
	}
}
