package simplejwt

import (
	"bytes"
	"encoding/base64"
	"errors"
	"math"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/djsession/djsession/internal/pystr"
	"github.com/djsession/djsession/serializer"
)

// headers are the JOSE headers PyJWT writes for each algorithm (its keys sorted).
var headers = map[string]string{}

func init() {
	for alg := range algorithms {
		headers[alg] = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"` + alg + `","typ":"JWT"}`))
	}
}

// backendError is a refusal of PyJWT's decode (its InvalidTokenError): expired is its
// ExpiredSignatureError; reason is its message.
type backendError struct {
	reason  string
	expired bool
}

func (e *backendError) Error() string { return "simplejwt: " + e.reason }

func decodeError(reason string) error { return &backendError{reason: reason} }

// encode is TokenBackend.encode: payload (a dict) with the settings' audience and issuer
// added, as PyJWT's jwt.encode writes it: the header and payload as Python's
// json.dumps (compact, ASCII), base64url without padding, then the HMAC.
func (s *Settings) encode(payload *serializer.Dict) (string, error) {
	return s.encodeHeader(payload, headers[s.Algorithm])
}

// encodeHeader is encode with h, the header's segment.
func (s *Settings) encodeHeader(payload *serializer.Dict, h string) (string, error) {
	if err := s.check(); err != nil {
		return "", err
	}
	p := payload.Clone()
	if !s.Audience.IsNone() {
		p.Set("aud", s.Audience)
	}
	if s.Issuer != "" {
		p.Set("iss", serializer.Str(s.Issuer))
	}
	if iss, ok := p.Get("iss"); ok && iss.Kind() != serializer.KindStr {
		return "", errors.New("simplejwt: Issuer (iss) must be a string")
	}
	js, err := serializer.EncodeJSON(serializer.DictValue(p))
	if err != nil {
		return "", err
	}
	b := make([]byte, 0, len(h)+1+base64.RawURLEncoding.EncodedLen(len(js))+1+88)
	b = append(b, h...)
	b = append(b, '.')
	b = base64.RawURLEncoding.AppendEncode(b, js)
	sig, err := algorithms[s.Algorithm].sign(s.SigningKey, b)
	if err != nil {
		return "", err
	}
	b = append(b, '.')
	b = base64.RawURLEncoding.AppendEncode(b, sig)
	return string(b), nil
}

// EncodeKID is Encode with a "kid" header naming the signing key (as django-allauth's
// JWTs name theirs, by its JWK thumbprint): the header's keys sorted, as PyJWT writes
// them.
func (s *Settings) EncodeKID(payload *serializer.Dict, kid string) (string, error) {
	k, err := serializer.EncodeJSON(serializer.Str(kid))
	if err != nil {
		return "", err
	}
	h := `{"alg":"` + s.Algorithm + `","kid":` + string(k) + `,"typ":"JWT"}`
	return s.encodeHeader(payload, base64.RawURLEncoding.EncodeToString([]byte(h)))
}

// Decode is PyJWT's jwt.decode(token, key, algorithms=[ALGORITHM]) as TokenBackend.decode
// calls it (the audience checked only with an AUDIENCE, the issuer only with an ISSUER,
// with LEEWAY), for tokens that other libraries sign with PyJWT (django-allauth's): the
// payload, without simplejwt's own checks (token type, jti claim, exp required). A
// refusal is a *TokenError (matching ErrToken, and ErrTokenExpired for an expired token)
// whose Reason is PyJWT's message.
func (s *Settings) Decode(token string, now time.Time) (*serializer.Dict, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	p, err := s.decode(token, true, now)
	var be *backendError
	if errors.As(err, &be) {
		return nil, &TokenError{Message: "Token is invalid", Reason: be.reason, expired: be.expired}
	}
	return p, err
}

// decode is TokenBackend.decode (PyJWT's jwt.decode with the settings' algorithm,
// audience, issuer and leeway): the token's segments, header, signature and payload
// checked as PyJWT checks them, then its registered claims (iat, nbf, exp, iss, aud, sub
// and jti). verify false skips the signature and the claims, as verify_signature=False.
// The settings are checked already (by parse, its caller).
func (s *Settings) decode(token string, verify bool, now time.Time) (*serializer.Dict, error) {
	if a := algorithms[s.Algorithm]; a.kind != hmacAlg && !s.v53() {
		// (simplejwt 5.4+ prepares the verifying key before it decodes anything)
		if _, err := a.parse(s.VerifyingKey, false); err != nil {
			return nil, err
		}
	}
	dot := strings.LastIndexByte(token, '.')
	if dot < 0 {
		return nil, decodeError("Not enough segments")
	}
	signingInput, crypto := token[:dot], token[dot+1:]
	headerSeg, payloadSeg, ok := strings.Cut(signingInput, ".")
	if !ok {
		return nil, decodeError("Not enough segments")
	}
	headerData, err := segment(headerSeg, "header")
	if err != nil {
		return nil, err
	}
	header, err := jsonBytes(headerData)
	if err != nil {
		return nil, decodeError("Invalid header string: " + err.Error())
	}
	if header.Kind() != serializer.KindDict {
		return nil, decodeError("Invalid header string: must be a json object")
	}
	hd := header.Dict()
	b64, hasB64 := hd.Get("b64")
	isFalse := hasB64 && b64.Kind() == serializer.KindBool && !b64.Truthy()
	if isFalse && payloadSeg != "" {
		return nil, decodeError("Payload segment must be empty when 'b64' is false.")
	}
	var payloadData []byte
	if !isFalse {
		if payloadData, err = segment(payloadSeg, "payload"); err != nil {
			return nil, err
		}
	}
	sig, err := segment(crypto, "crypto")
	if err != nil {
		return nil, err
	}
	if err := checkHeaders(hd); err != nil {
		return nil, err
	}
	if isFalse { // (a detached payload, which simplejwt never passes)
		crit, _ := hd.Get("crit")
		if !containsStr(crit, "b64") {
			return nil, decodeError("The 'b64' header parameter requires 'b64' to be listed in 'crit'.")
		}
		return nil, decodeError(`It is required that you pass in a value for the "detached_payload" argument to decode a message having the b64 header set to false.`)
	}
	if verify {
		alg, ok := hd.Get("alg")
		if !ok {
			return nil, &backendError{reason: "Algorithm not specified"}
		}
		if a, _ := alg.AsStr(); alg.Kind() != serializer.KindStr || a != s.Algorithm {
			return nil, &backendError{reason: "The specified alg value is not allowed"}
		}
		ok, err := algorithms[s.Algorithm].verify(s, []byte(signingInput), sig)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, decodeError("Signature verification failed")
		}
	}
	payload, err := jsonBytes(payloadData)
	if err != nil {
		return nil, decodeError("Invalid payload string: " + err.Error())
	}
	if payload.Kind() != serializer.KindDict {
		return nil, decodeError("Invalid payload string: must be a json object")
	}
	if verify {
		if err := s.validateClaims(payload.Dict(), now); err != nil {
			return nil, err
		}
	}
	return payload.Dict(), nil
}

// segment is PyJWS._decode_base64url_segment: base64url with at most two "=" (and then
// a length that is a multiple of four), canonical (no stray bits).
func segment(seg, name string) ([]byte, error) {
	stripped := strings.TrimRight(seg, "=")
	if pad := len(seg) - len(stripped); pad > 2 || pad > 0 && len(seg)%4 != 0 {
		return nil, decodeError("Invalid " + name + " padding")
	}
	for i := 0; i < len(stripped); i++ { // (Go's decoder would skip "\r" and "\n")
		if c := stripped[i]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return nil, decodeError("Invalid " + name + " padding")
		}
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(stripped)
	if err != nil {
		return nil, decodeError("Invalid " + name + " padding")
	}
	return b, nil
}

// checkHeaders is PyJWS._validate_headers: a kid is a str; crit is a non-empty list of
// the extensions PyJWT knows (b64), each present.
func checkHeaders(h *serializer.Dict) error {
	if kid, ok := h.Get("kid"); ok && kid.Kind() != serializer.KindStr {
		return decodeError("Key ID header parameter must be a string")
	}
	crit, ok := h.Get("crit")
	if !ok {
		return nil
	}
	if crit.Kind() != serializer.KindList || len(crit.Items()) == 0 {
		return decodeError("Invalid 'crit' header: must be a non-empty list")
	}
	for _, ext := range crit.Items() {
		e, isStr := ext.AsStr()
		switch {
		case !isStr:
			return decodeError("Invalid 'crit' header: values must be strings")
		case e != "b64":
			return decodeError("Unsupported critical extension: " + e)
		}
		if _, ok := h.Get(e); !ok {
			return decodeError("Critical extension '" + e + "' is missing from headers")
		}
	}
	return nil
}

func containsStr(list serializer.Value, s string) bool {
	if list.Kind() != serializer.KindList {
		return false
	}
	for _, x := range list.Items() {
		if v, ok := x.AsStr(); ok && v == s {
			return true
		}
	}
	return false
}

// validateClaims is PyJWT's _validate_claims with simplejwt's options: iat and nbf not in
// the future, exp not past (each an int as Python's int() reads it; leeway allowed),
// iss and aud as the settings require, sub and jti strs.
func (s *Settings) validateClaims(p *serializer.Dict, now time.Time) error {
	ts := float64(now.UnixMicro()) / 1e6
	leeway := s.Leeway.Seconds()
	if v, ok := p.Get("iat"); ok {
		n, ok := pyIntOf(v)
		if !ok {
			return decodeError("Issued At claim (iat) must be an integer.")
		}
		if bigFloat(n) > ts+leeway {
			return decodeError("The token is not yet valid (iat)")
		}
	}
	if v, ok := p.Get("nbf"); ok {
		n, ok := pyIntOf(v)
		if !ok {
			return decodeError("Not Before claim (nbf) must be an integer.")
		}
		if bigFloat(n) > ts+leeway {
			return decodeError("The token is not yet valid (nbf)")
		}
	}
	if v, ok := p.Get("exp"); ok {
		n, ok := pyIntOf(v)
		if !ok {
			return decodeError("Expiration Time claim (exp) must be an integer.")
		}
		if bigFloat(n) <= ts-leeway {
			return &backendError{reason: "Signature has expired", expired: true}
		}
	}
	if s.Issuer != "" {
		iss, ok := p.Get("iss")
		if !ok {
			return decodeError(`Token is missing the "iss" claim`)
		}
		if v, isStr := iss.AsStr(); !isStr {
			return decodeError("Payload Issuer (iss) must be a string")
		} else if v != s.Issuer {
			return decodeError("Invalid issuer")
		}
	}
	if !s.Audience.IsNone() {
		if err := s.validateAudience(p); err != nil {
			return err
		}
	}
	if sub, ok := p.Get("sub"); ok && sub.Kind() != serializer.KindStr {
		return decodeError("Subject must be a string")
	}
	if jti, ok := p.Get("jti"); ok && jti.Kind() != serializer.KindStr {
		return decodeError("JWT ID must be a string")
	}
	return nil
}

// validateAudience is PyJWT's _validate_aud (not strict) for the settings' audience.
func (s *Settings) validateAudience(p *serializer.Dict) error {
	aud, ok := p.Get("aud")
	if !ok || !aud.Truthy() {
		return decodeError(`Token is missing the "aud" claim`)
	}
	claims := []serializer.Value{aud}
	switch aud.Kind() {
	case serializer.KindStr:
	case serializer.KindList:
		claims = aud.Items()
	default:
		return decodeError("Invalid claim format in token")
	}
	for _, c := range claims {
		if c.Kind() != serializer.KindStr {
			return decodeError("Invalid claim format in token")
		}
	}
	wanted := []serializer.Value{s.Audience}
	if s.Audience.Kind() == serializer.KindList {
		wanted = s.Audience.Items()
	}
	for _, w := range wanted {
		ws, _ := w.AsStr()
		for _, c := range claims {
			if cs, _ := c.AsStr(); cs == ws {
				return nil
			}
		}
	}
	return decodeError("Audience doesn't match")
}

// pyIntOf is Python's int(v) for a JSON value: false where Python raises.
func pyIntOf(v serializer.Value) (*big.Int, bool) {
	switch v.Kind() {
	case serializer.KindBool:
		if v.Truthy() {
			return big.NewInt(1), true
		}
		return big.NewInt(0), true
	case serializer.KindInt:
		return v.AsBigInt()
	case serializer.KindFloat:
		f, _ := v.AsFloat()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, false
		}
		n, _ := new(big.Float).SetFloat64(math.Trunc(f)).Int(nil)
		return n, true
	case serializer.KindStr:
		s, _ := v.AsStr()
		return pystr.Int(s)
	}
	return nil, false
}

// bigFloat is n as a float64 (±Inf beyond its range), which compares with a timestamp
// as Python compares an int with a float for any n near the present.
func bigFloat(n *big.Int) float64 {
	f, _ := new(big.Float).SetInt(n).Float64()
	return f
}

// jsonBytes is Python's json.loads of bytes: UTF-8 (a BOM skipped), where lone
// surrogates are kept (surrogatepass). UTF-16 and UTF-32 text, which Python also
// detects, is refused.
func jsonBytes(b []byte) (serializer.Value, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if len(b) >= 2 && (b[0] == 0 || b[1] == 0) || bytes.HasPrefix(b, []byte("\xff\xfe")) || bytes.HasPrefix(b, []byte("\xfe\xff")) {
		return serializer.Value{}, errors.New("UTF-16 and UTF-32 JSON are not supported")
	}
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		if i+2 < len(b) && b[i] == 0xED && b[i+1] >= 0xA0 && b[i+1] <= 0xBF && b[i+2] >= 0x80 && b[i+2] <= 0xBF {
			i += 3 // (a surrogate, which surrogatepass decodes)
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return serializer.Value{}, errors.New("'utf-8' codec can't decode bytes")
		}
		i += n
	}
	return serializer.DecodeJSONText(string(b))
}
