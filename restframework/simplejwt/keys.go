package simplejwt

import (
	"regexp"
	"strings"

	"github.com/djsession/djsession/serializer"
)

// pemMarker is a PEM boundary of the kinds PyJWT's is_pem_format knows.
var pemMarker = regexp.MustCompile(`----[- ](BEGIN|END) (CERTIFICATE|TRUSTED CERTIFICATE|PRIVATE KEY|PUBLIC KEY|` +
	`ENCRYPTED PRIVATE KEY|OPENSSH PRIVATE KEY|DSA PRIVATE KEY|RSA PRIVATE KEY|RSA PUBLIC KEY|EC PRIVATE KEY|` +
	`DH PARAMETERS|NEW CERTIFICATE REQUEST|CERTIFICATE REQUEST|SSH2 PUBLIC KEY|SSH2 ENCRYPTED PRIVATE KEY|X509 CRL)[- ]----`)

// asymmetricKey reports whether PyJWT's HMACAlgorithm.prepare_key refuses key: a PEM
// block (a BEGIN marker, then the END of the same kind), an SSH public key, or JSON
// holding a JWK (an object with "kty" anywhere in it). (Keys that are DER structures,
// which it also refuses, are not recognised here.)
func asymmetricKey(key string) bool {
	begins := map[string]int{}
	for i := 0; i < len(key); {
		loc := pemMarker.FindStringSubmatchIndex(key[i:])
		if loc == nil {
			break
		}
		kind, label := key[i+loc[2]:i+loc[3]], key[i+loc[4]:i+loc[5]]
		if kind == "BEGIN" {
			begins[label] = i + loc[1]
		} else if end, ok := begins[label]; ok && end < i+loc[0] {
			return true
		}
		i += loc[0] + 1 // (markers may overlap, as the lookahead of PyJWT's pattern finds them)
	}
	for _, p := range []string{"ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"} {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	v, err := serializer.DecodeJSONText(key)
	return err == nil && hasKty(v)
}

// hasKty reports whether v holds a dict with the key "kty", at any depth.
func hasKty(v serializer.Value) bool {
	switch v.Kind() {
	case serializer.KindDict:
		if v.Dict().Has("kty") {
			return true
		}
		for _, x := range v.Dict().All() {
			if hasKty(x) {
				return true
			}
		}
	case serializer.KindList:
		for _, x := range v.Items() {
			if hasKty(x) {
				return true
			}
		}
	}
	return false
}

// latin1 is s encoded as latin-1 (HTTP_HEADER_ENCODING): false when a character is beyond
// U+00FF.
func latin1(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return "", false
		}
		b = append(b, byte(r))
	}
	return string(b), true
}
