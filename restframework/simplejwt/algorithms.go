package simplejwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha256" // (the hashes of the algorithms)
	_ "crypto/sha512"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"sync"
)

// algorithm is one of PyJWT's signing algorithms.
type algorithm struct {
	hash  crypto.Hash
	kind  algKind
	curve elliptic.Curve // (ecdsaAlg)
}

type algKind uint8

const (
	hmacAlg    algKind = iota // HS256, HS384, HS512
	rsaAlg                    // RS256, ...: RSASSA-PKCS1-v1_5
	rsaPSSAlg                 // PS256, ...: RSASSA-PSS, MGF1 and a salt as long as the hash
	ecdsaAlg                  // ES256, ...: ECDSA, the signature as r||s of the curve's size
	ed25519Alg                // EdDSA (Ed25519 keys)
)

// algorithms are the algorithms simplejwt takes (ALLOWED_ALGORITHMS, with PyJWT's
// cryptography) that Go's standard library has: all but ES256K and Ed448 keys.
var algorithms = map[string]algorithm{
	"HS256": {crypto.SHA256, hmacAlg, nil}, "HS384": {crypto.SHA384, hmacAlg, nil}, "HS512": {crypto.SHA512, hmacAlg, nil},
	"RS256": {crypto.SHA256, rsaAlg, nil}, "RS384": {crypto.SHA384, rsaAlg, nil}, "RS512": {crypto.SHA512, rsaAlg, nil},
	"PS256": {crypto.SHA256, rsaPSSAlg, nil}, "PS384": {crypto.SHA384, rsaPSSAlg, nil}, "PS512": {crypto.SHA512, rsaPSSAlg, nil},
	"ES256": {crypto.SHA256, ecdsaAlg, elliptic.P256()}, "ES384": {crypto.SHA384, ecdsaAlg, elliptic.P384()},
	"ES512": {crypto.SHA512, ecdsaAlg, elliptic.P521()}, "ES521": {crypto.SHA512, ecdsaAlg, elliptic.P521()},
	"EdDSA": {0, ed25519Alg, nil},
}

// ErrKey reports a SIGNING_KEY or VERIFYING_KEY that PyJWT cannot use with the algorithm
// (its InvalidKeyError: a server error in simplejwt).
var ErrKey = errors.New("simplejwt: unusable key")

// keys caches the keys parsed from PEM text, by algorithm kind and text.
var keys sync.Map

type keyID struct {
	kind    algKind
	private bool
	text    string
}

// signer returns the private key of text (SIGNING_KEY) for a.
func (a algorithm) signer(text string) (crypto.Signer, error) {
	k, err := a.parse(text, true)
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w: SIGNING_KEY is not a private key", ErrKey)
	}
	return s, nil
}

// parse reads the PEM key of text as PyJWT's prepare_key does for a: for signing
// (private), a private key; else (VERIFYING_KEY) a public key, or for ECDSA and EdDSA
// a private key's public half.
func (a algorithm) parse(text string, private bool) (any, error) {
	id := keyID{a.kind, private, text}
	if k, ok := keys.Load(id); ok {
		return k, nil
	}
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, fmt.Errorf("%w: not a PEM key", ErrKey)
	}
	var k any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		k, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		k, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%w: a PEM block of type %q", ErrKey, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	if s, ok := k.(crypto.Signer); ok && !private {
		if a.kind == rsaAlg || a.kind == rsaPSSAlg {
			return nil, fmt.Errorf("%w: VERIFYING_KEY is an RSA private key, which cannot verify in PyJWT", ErrKey)
		}
		k = s.Public()
	}
	if err := a.check(k); err != nil {
		return nil, err
	}
	keys.Store(id, k)
	return k, nil
}

// check is PyJWT's check of the key's type (and ECDSA's curve) for a.
func (a algorithm) check(k any) error {
	ok := false
	switch a.kind {
	case rsaAlg, rsaPSSAlg:
		switch k.(type) {
		case *rsa.PrivateKey, *rsa.PublicKey:
			ok = true
		}
	case ecdsaAlg:
		switch k := k.(type) {
		case *ecdsa.PrivateKey:
			ok = k.Curve == a.curve
		case *ecdsa.PublicKey:
			ok = k.Curve == a.curve
		}
	case ed25519Alg:
		switch k.(type) {
		case ed25519.PrivateKey, ed25519.PublicKey:
			ok = true
		}
	}
	if !ok {
		return fmt.Errorf("%w: a %T for this algorithm", ErrKey, k)
	}
	return nil
}

// sign is the algorithm's sign of msg with the settings' SIGNING_KEY.
func (a algorithm) sign(key string, msg []byte) ([]byte, error) {
	if a.kind == hmacAlg {
		mac := hmac.New(a.hash.New, []byte(key))
		mac.Write(msg)
		return mac.Sum(nil), nil
	}
	s, err := a.signer(key)
	if err != nil {
		return nil, err
	}
	digest := msg
	if a.kind != ed25519Alg {
		h := a.hash.New()
		h.Write(msg)
		digest = h.Sum(nil)
	}
	switch a.kind {
	case rsaAlg:
		return rsa.SignPKCS1v15(nil, s.(*rsa.PrivateKey), a.hash, digest)
	case rsaPSSAlg:
		return rsa.SignPSS(rand.Reader, s.(*rsa.PrivateKey), a.hash, digest, &rsa.PSSOptions{SaltLength: a.hash.Size()})
	case ecdsaAlg:
		r, ss, err := ecdsa.Sign(rand.Reader, s.(*ecdsa.PrivateKey), digest)
		if err != nil {
			return nil, err
		}
		size := (a.curve.Params().BitSize + 7) / 8
		out := make([]byte, 2*size)
		r.FillBytes(out[:size])
		ss.FillBytes(out[size:])
		return out, nil
	}
	return ed25519.Sign(s.(ed25519.PrivateKey), digest), nil
}

// verify is the algorithm's verify of sig over msg: with the SIGNING_KEY for HMAC, else
// with the VERIFYING_KEY. A key it cannot use is an error (ErrKey).
func (a algorithm) verify(s *Settings, msg, sig []byte) (bool, error) {
	if a.kind == hmacAlg {
		want, _ := a.sign(s.SigningKey, msg)
		return hmac.Equal(want, sig), nil
	}
	k, err := a.parse(s.VerifyingKey, false)
	if err != nil {
		return false, err
	}
	if a.kind == ed25519Alg {
		return ed25519.Verify(k.(ed25519.PublicKey), msg, sig), nil
	}
	h := a.hash.New()
	h.Write(msg)
	digest := h.Sum(nil)
	switch a.kind {
	case rsaAlg:
		return rsa.VerifyPKCS1v15(k.(*rsa.PublicKey), a.hash, digest, sig) == nil, nil
	case rsaPSSAlg:
		return rsa.VerifyPSS(k.(*rsa.PublicKey), a.hash, digest, sig, &rsa.PSSOptions{SaltLength: a.hash.Size()}) == nil, nil
	}
	size := (a.curve.Params().BitSize + 7) / 8
	if len(sig) != 2*size {
		return false, nil
	}
	r, ss := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
	return ecdsa.Verify(k.(*ecdsa.PublicKey), digest, r, ss), nil
}
