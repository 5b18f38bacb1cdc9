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
	"encoding/binary"
	"encoding/pem"
	"errors"
	"math/big"
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
	if !errors.Is(err, ErrKey) {
		t.Errorf("a malformed token without a verifying key: %v (simplejwt 5.4+ fails first for the key)", err)
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

// sshWire is an OpenSSH public key line of the given fields (each a length-prefixed string).
func sshWire(name string, fields ...[]byte) string {
	var b []byte
	for _, f := range append([][]byte{[]byte(name)}, fields...) {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return name + " " + base64.StdEncoding.EncodeToString(b) + " user@host"
}

// TestKeyForms checks the forms of keys PyJWT's prepare_key takes (each checked with
// PyJWT 2.15): indented PEM and CR line ends, openssl's EC PARAMETERS block before the key,
// a private key after a certificate, OpenSSH public keys; and refuses: a key of another
// curve even once another algorithm has taken it, a multi-prime RSA key, an RSA private
// key to verify, simplejwt 5.4+'s unusable VERIFYING_KEY before any token is read.
func TestKeyForms(t *testing.T) {
	now := time.Unix(1800000000, 0)
	roundTrip := func(alg, signing, verifying string) error {
		s := Defaults("")
		s.Algorithm, s.SigningKey, s.VerifyingKey = alg, signing, verifying
		s.Now = func() time.Time { return now }
		tok, err := s.New(Access)
		if err != nil {
			return err
		}
		raw, err := tok.Encode()
		if err != nil {
			return err
		}
		_, err = s.Parse(Access, raw)
		return err
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalECPrivateKey(ecKey)
	sec1 := string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
	params := "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
	pubDER, _ := x509.MarshalPKIXPublicKey(ecKey.Public())
	ecPub := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
	indent := func(s string) string { return "    " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n    ") + "\n" }
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	edDER, _ := x509.MarshalPKCS8PrivateKey(edPriv)
	rsaPriv, rsaPub := pemKeys(t, "RS256")
	rsaKey, _ := x509.ParsePKCS8PrivateKey(func() []byte { b, _ := pem.Decode([]byte(rsaPriv)); return b.Bytes }())
	rk := rsaKey.(*rsa.PrivateKey)
	q := ecKey.PublicKey
	point := elliptic.Marshal(q.Curve, q.X, q.Y) //nolint:staticcheck // (the SSH form is the uncompressed point)
	for _, c := range []struct {
		name, alg, signing, verifying string
		ok                            bool
	}{
		{"indented", "ES256", indent(sec1), indent(ecPub), true},
		{"CR line ends", "ES256", strings.ReplaceAll(sec1, "\n", "\r"), strings.ReplaceAll(ecPub, "\n", "\r"), true},
		{"EC PARAMETERS first", "ES256", params + sec1, params + sec1, true},
		{"a certificate first", "ES256", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" + sec1, ecPub, true},
		{"OpenSSH ECDSA", "ES256", sec1, sshWire("ecdsa-sha2-nistp256", []byte("nistp256"), point), true},
		{"OpenSSH Ed25519", "EdDSA", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: edDER})), sshWire("ssh-ed25519", edPub), true},
		{"OpenSSH RSA", "RS256", rsaPriv, sshWire("ssh-rsa", big.NewInt(int64(rk.E)).Bytes(), append([]byte{0}, rk.N.Bytes()...)), true},
		{"PKCS #1", "RS512", string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)})),
			string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&rk.PublicKey)})), true},
		{"RSA private key to verify", "RS256", rsaPriv, rsaPriv, false},
		{"public then private to verify (RSA: the private one)", "RS256", rsaPriv, rsaPub + rsaPriv, false},
		{"a P-256 key for ES384", "ES384", sec1, ecPub, false},
		{"no verifying key", "RS256", rsaPriv, "", false},
	} {
		if err := roundTrip(c.alg, c.signing, c.verifying); (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// (A key taken by ES256 is still refused by ES512: the curve is checked per algorithm.)
	if err := roundTrip("ES512", sec1, ecPub); !errors.Is(err, ErrKey) {
		t.Errorf("a cached P-256 key for ES512: %v", err)
	}
	three, err := rsa.GenerateMultiPrimeKey(rand.Reader, 3, 2048) //nolint:staticcheck // (PyJWT refuses them)
	if err != nil {
		t.Fatal(err)
	}
	threeDER, _ := x509.MarshalPKCS8PrivateKey(three)
	if err := roundTrip("RS256", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: threeDER})), rsaPub); !errors.Is(err, ErrKey) {
		t.Errorf("a 3-prime key: %v", err)
	}
	s := Defaults("")
	s.Algorithm, s.VerifyingKey = "RS256", "junk"
	if _, err := s.Parse(Access, "abc"); !errors.Is(err, ErrKey) {
		t.Errorf("5.4+, an unusable verifying key and a malformed token: %v, want ErrKey", err)
	}
	s.Version = "5.3"
	if _, err := s.Parse(Access, "abc"); !errors.Is(err, ErrToken) {
		t.Errorf("5.3, an unusable verifying key and a malformed token: %v, want ErrToken", err)
	}
}
