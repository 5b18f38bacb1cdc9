package simplejwt

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha256" // (the hashes of the algorithms)
	_ "crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
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

// keys caches the keys prepared from their text, by curve, kind of algorithm, role and
// text.
var keys sync.Map

type keyID struct {
	kind    algKind
	curve   elliptic.Curve
	signing bool
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

// parse is PyJWT's prepare_key of text for a, cached: for RSA, a private key (the first
// private block) else a public one (the first block); for ECDSA, a public key (the first
// block) else a private one; for EdDSA, what the text says it is; SSH public keys too.
// A verifying key (signing false) that is private is its public half, but for RSA,
// which PyJWT cannot verify with (a server error).
func (a algorithm) parse(text string, signing bool) (any, error) {
	id := keyID{a.kind, a.curve, signing, text}
	if k, ok := keys.Load(id); ok {
		return k, nil
	}
	k, err := a.prepare(text)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	if s, ok := k.(crypto.Signer); ok && !signing {
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

// prepare reads text as the algorithm's prepare_key does.
func (a algorithm) prepare(text string) (any, error) {
	blocks := pemBlocks(text)
	switch a.kind {
	case rsaAlg, rsaPSSAlg:
		if strings.HasPrefix(text, "ssh-rsa") {
			return sshPublicKey(text)
		}
		if k, err := privateKey(blocks); err == nil || !errors.Is(err, errNoBlock) {
			return k, err
		}
		return publicKey(blocks)
	case ecdsaAlg:
		if strings.HasPrefix(text, "ecdsa-sha2-") {
			return sshPublicKey(text)
		}
		if k, err := publicKey(blocks); err == nil {
			return k, nil
		}
		return privateKey(blocks)
	}
	switch {
	case strings.Contains(text, "-----BEGIN PUBLIC"):
		return publicKey(blocks)
	case strings.Contains(text, "-----BEGIN PRIVATE"):
		return privateKey(blocks)
	case strings.HasPrefix(text, "ssh-"):
		return sshPublicKey(text)
	}
	return nil, errors.New("not a public or private key")
}

var errNoBlock = errors.New("no private key in PEM")

// pemBlocks are the PEM blocks of text, its lines' leading white space and any kind of
// line end allowed.
func pemBlocks(text string) []*pem.Block {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimLeft(l, " \t")
	}
	rest := []byte(strings.Join(lines, "\n"))
	var blocks []*pem.Block
	for {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return blocks
		}
		blocks = append(blocks, b)
	}
}

// privateKey is load_pem_private_key: the first block holding a private key.
func privateKey(blocks []*pem.Block) (any, error) {
	for _, b := range blocks {
		switch b.Type {
		case "PRIVATE KEY":
			return x509.ParsePKCS8PrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(b.Bytes)
			return k, err
		case "EC PRIVATE KEY":
			k, err := x509.ParseECPrivateKey(b.Bytes)
			return k, err
		case "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY", "DSA PRIVATE KEY":
			return nil, fmt.Errorf("a %s (no password, no OpenSSH format here)", b.Type)
		}
	}
	return nil, errNoBlock
}

// publicKey is load_pem_public_key: the first block, which must hold a public key.
func publicKey(blocks []*pem.Block) (any, error) {
	if len(blocks) == 0 {
		return nil, errors.New("not PEM")
	}
	switch b := blocks[0]; b.Type {
	case "PUBLIC KEY":
		return x509.ParsePKIXPublicKey(b.Bytes)
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(b.Bytes)
		return k, err
	default:
		return nil, fmt.Errorf("a PEM block of type %q, not a public key", b.Type)
	}
}

// sshPublicKey is load_ssh_public_key: "ssh-rsa", "ecdsa-sha2-nistp256" (384, 521) or
// "ssh-ed25519", then the key in base64 (then a comment).
func sshPublicKey(text string) (any, error) {
	f := strings.Fields(text)
	if len(f) < 2 {
		return nil, errors.New("an SSH key without its data")
	}
	blob, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil {
		return nil, err
	}
	field := func() ([]byte, error) {
		if len(blob) < 4 {
			return nil, errors.New("a truncated SSH key")
		}
		n := binary.BigEndian.Uint32(blob)
		if uint64(len(blob)-4) < uint64(n) {
			return nil, errors.New("a truncated SSH key")
		}
		v := blob[4 : 4+n]
		blob = blob[4+n:]
		return v, nil
	}
	name, err := field()
	if err != nil || string(name) != f[0] {
		return nil, errors.New("an SSH key whose type does not match")
	}
	var parts [2][]byte
	n := 2
	if f[0] == "ssh-ed25519" {
		n = 1
	}
	for i := range n {
		if parts[i], err = field(); err != nil {
			return nil, err
		}
	}
	if len(blob) != 0 {
		return nil, errors.New("an SSH key with trailing data")
	}
	switch f[0] {
	case "ssh-rsa":
		e := new(big.Int).SetBytes(parts[0])
		if !e.IsInt64() || e.Int64() > 1<<31-1 || e.Int64() < 3 {
			return nil, errors.New("an RSA exponent this package cannot use")
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(parts[1]), E: int(e.Int64())}, nil
	case "ssh-ed25519":
		if len(parts[0]) != ed25519.PublicKeySize {
			return nil, errors.New("an Ed25519 key of the wrong size")
		}
		return ed25519.PublicKey(parts[0]), nil
	}
	curve := map[string]ecdh.Curve{"nistp256": ecdh.P256(), "nistp384": ecdh.P384(), "nistp521": ecdh.P521()}[string(parts[0])]
	if curve == nil || f[0] != "ecdsa-sha2-"+string(parts[0]) {
		return nil, errors.New("an SSH key of an unknown kind")
	}
	if _, err := curve.NewPublicKey(parts[1]); err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(mustECDH(curve, parts[1]))
	if err != nil {
		return nil, err
	}
	return x509.ParsePKIXPublicKey(der)
}

// mustECDH is the ECDH form of a point already checked on curve.
func mustECDH(curve ecdh.Curve, point []byte) *ecdh.PublicKey {
	k, _ := curve.NewPublicKey(point)
	return k
}

// check is PyJWT's check of the key's type (and ECDSA's curve) for a.
func (a algorithm) check(k any) error {
	ok := false
	switch a.kind {
	case rsaAlg, rsaPSSAlg:
		switch k := k.(type) {
		case *rsa.PrivateKey:
			ok = len(k.Primes) == 2 // (PyJWT refuses multi-prime keys)
		case *rsa.PublicKey:
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
