package main

import (
	"errors"
	"flag"

	"github.com/djsession/djsession/allauth/headless"
	"github.com/djsession/djsession/serializer"
)

func init() {
	commands["allauth-token"] = &command{
		synopsis: "allauth-token [--refresh] [--algorithm A] [--private-key KEY|@FILE] TOKEN",
		help: `Reads a JWT of django-allauth's headless JWT strategy as allauth's decode_token does (the
signature, the expiry and the other checks of PyJWT, the token_use, and jti, sub and sid
strs): an access token, or with --refresh a refresh token. Prints {"claims": its claims
(Python's JSON, in their order), "session_key": the session key its sid holds, decrypted
with the secret key as allauth decrypts it, or null}: the session to look at with
"djsession inspect" (the token's user is "sub"). Exit 4 for an expired token, 3 for
another refusal. --algorithm is HEADLESS_JWT_ALGORITHM (allauth's default RS256, whose
--private-key is HEADLESS_JWT_PRIVATE_KEY in PEM; HS256, HS384 and HS512 sign with the
secret key unless --private-key is given).`,
		arg:   "TOKEN",
		setup: setupAllauthToken,
	}
}

func setupAllauthToken(fs *flag.FlagSet) runner {
	refresh := fs.Bool("refresh", false, "read a refresh token (default: an access token)")
	algorithm := fs.String("algorithm", "RS256", "HEADLESS_JWT_ALGORITHM: RS256, RS384, RS512, HS256, HS384 or HS512")
	privateKey := fs.String("private-key", "", "HEADLESS_JWT_PRIVATE_KEY `key` (an RSA key in PEM for RS*; @FILE reads it from FILE)")
	return func(a *app, cfg *config, arg string) error {
		key, err := keyArg(*privateKey)
		if err != nil {
			return err
		}
		s := headless.Defaults(cfg.key)
		s.TokenStrategy, s.JWTAlgorithm, s.JWTPrivateKey = headless.JWTTokenStrategy, *algorithm, key
		h := &headless.Headless{Settings: s, Now: cfg.now}
		use := "access"
		if *refresh {
			use = "refresh"
		}
		claims, err := h.DecodeToken(arg, use)
		if errors.Is(err, headless.ErrSettings) {
			return usagef("%v", err)
		}
		if err != nil {
			return err
		}
		out := serializer.NewDict()
		out.Set("claims", serializer.DictValue(claims))
		out.Set("session_key", serializer.None())
		sid, _ := claims.Get("sid")
		sidText, _ := sid.AsStr()
		if k, ok, err := headless.SessionKeyFromSID(cfg.key, sidText); err == nil && ok {
			out.Set("session_key", serializer.Str(k))
		}
		js, err := serializer.EncodeJSON(serializer.DictValue(out))
		if err != nil {
			return err
		}
		return a.printLine(string(js))
	}
}
