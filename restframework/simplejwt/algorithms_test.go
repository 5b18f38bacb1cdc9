package simplejwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/djsession/djsession/django/auth"
)

// pemKeys returns a new key pair of the algorithm's kind in PEM (PKCS #8, PKIX).
func pemKeys(t *testing.T, alg string) (private, public string) {
	t.Helper()
	var k crypto.Signer
	var err error
	switch a := algorithms[alg]; a.kind {
	case rsaAlg, rsaPSSAlg:
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case ecdsaAlg:
		k, err = ecdsa.GenerateKey(a.curve, rand.Reader)
	case ed25519Alg:
		_, k, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
}

// TestAsymmetricAlgorithms makes and reads tokens with each family of algorithms that
// takes keys in PEM: taken with the public key, refused with another key, a changed
// signature or another algorithm's header; RS256 signs deterministically, as PyJWT; a
// key of the wrong kind or curve is ErrKey.
func TestAsymmetricAlgorithms(t *testing.T) {
	now := time.Unix(1800000000, 0)
	for _, alg := range []string{"RS256", "PS384", "ES256", "ES384", "ES512", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			priv, pub := pemKeys(t, alg)
			_, other := pemKeys(t, alg)
			s := Defaults("")
			s.Algorithm, s.SigningKey, s.VerifyingKey = alg, priv, pub
			s.Now = func() time.Time { return now }
			tok, err := s.New(Access)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := tok.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Parse(Access, raw); err != nil {
				t.Fatalf("its own token: %v", err)
			}
			verifyOnly := *s
			verifyOnly.SigningKey = ""
			if _, err := verifyOnly.Parse(Access, raw); err != nil {
				t.Errorf("with the public key alone: %v", err)
			}
			again, _ := tok.Encode()
			if (again == raw) != (alg == "RS256" || alg == "EdDSA") {
				t.Errorf("deterministic %v", again == raw)
			}
			wrong := *s
			wrong.VerifyingKey = other
			sig := raw[strings.LastIndexByte(raw, '.')+1:]
			flipped := raw[:len(raw)-len(sig)] + string(sig[0]^1) + sig[1:]
			for name, c := range map[string]struct {
				s   *Settings
				raw string
			}{"other key": {&wrong, raw}, "flipped": {s, flipped}} {
				if _, err := c.s.Parse(Access, c.raw); !errors.Is(err, ErrToken) {
					t.Errorf("%s: %v", name, err)
				}
			}
			// (HS256 with the public key as the secret: the algorithm confusion attack.)
			confused := headers["HS256"] + raw[strings.IndexByte(raw, '.'):strings.LastIndexByte(raw, '.')+1]
			mac, _ := algorithms["HS256"].sign(pub, []byte(confused[:len(confused)-1]))
			confused += base64url(mac)
			if _, err := s.Parse(Access, confused); !errors.Is(err, ErrToken) {
				t.Errorf("an HS256 token signed with the public key: %v", err)
			}
		})
	}
	priv, _ := pemKeys(t, "ES384")
	s := Defaults("")
	s.Algorithm, s.SigningKey = "ES256", priv
	tok, err := s.ForUser(Access, testUser())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tok.Encode(); !errors.Is(err, ErrKey) {
		t.Errorf("a P-384 key for ES256: %v", err)
	}
	_, err = s.Parse(Access, "a.b.c")
	if !errors.Is(err, ErrToken) {
		t.Errorf("a malformed token without a verifying key: %v", err)
	}
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalECPrivateKey(k)
	s.SigningKey = string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
	s.VerifyingKey = s.SigningKey // (PyJWT takes an EC private key to verify)
	if tok, err = s.ForUser(Access, testUser()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Parse(Access, tok.String()); err != nil {
		t.Errorf("an SEC 1 key: %v", err)
	}
}

func base64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func testUser() *auth.User { return &auth.User{ID: "1", IsActive: true} }
