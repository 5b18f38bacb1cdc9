// Package simplejwt is djangorestframework-simplejwt (rest_framework_simplejwt) in Go: the
// JSON web tokens a DRF API hands out and takes, byte for byte, so that a Go endpoint
// takes the tokens Django made, Django takes the tokens Go made, and either side can log
// an API client in, refresh its tokens or blacklist them.
//
// Settings is the site's SIMPLE_JWT (Defaults gives simplejwt's). With it:
//
//   - Settings.New, Settings.ForUser and Token.AccessToken make tokens as simplejwt's
//     AccessToken(), RefreshToken.for_user(user) and refresh.access_token do, and
//     Token.String writes them as PyJWT does (the same JSON, the same bytes);
//   - Settings.Parse reads one as AccessToken(raw), RefreshToken(raw), ... do: PyJWT's
//     checks (segments, header, algorithm, signature, iat, nbf, exp, aud, iss, sub, jti)
//     then simplejwt's (exp required, jti, type), refusing with simplejwt's messages
//     ("Token is expired", "Token has wrong type", ...) as a *TokenError.
//
// JWTAuthentication is a restframework.Authenticator: behind restframework.APIView, a
// request with "Authorization: Bearer <access token>" is the token's user, and a bad
// token gets simplejwt's 401. Views holds the token views (TokenObtainPairView,
// TokenRefreshView, TokenVerifyView, TokenBlacklistView and the sliding ones). SQLBlacklist
// is the token_blacklist app's tables, shared with Django: a token blacklisted on one side
// is refused on the other. JWTCookieAuthentication and CookieSettings are dj-rest-auth's
// JWT cookies (REST_AUTH's JWT_AUTH_COOKIE: the access token in a cookie, with Django's
// CSRF checks), held to dj-rest-auth 7.0 and 7.2.
//
//	s := simplejwt.Defaults(secretKey)
//	api := &restframework.APIView{
//		Authentication: []restframework.Authenticator{&simplejwt.JWTAuthentication{Settings: s, Config: cfg}},
//		Permissions:    []restframework.Permission{restframework.IsAuthenticated{}},
//		Methods:        []string{"GET"},
//		Handler:        handler, // restframework.FromContext(ctx).User is the token's user
//	}
//	views := &simplejwt.Views{Settings: s, Config: cfg}
//	mux.Handle("/api/token/", views.TokenObtainPair())
//	mux.Handle("/api/token/refresh/", views.TokenRefresh())
//
// Settings.Version selects simplejwt 5.3 (the newest for Django 3.2), whose messages and
// claims differ; the default is 5.4 and later. Both are held live to simplejwt 5.3.1 and
// 5.5.1 (with PyJWT 2.15) on every Django version of the matrix.
//
// Known differences, all beyond what simplejwt does with its defaults:
//
//   - the algorithms are PyJWT's but ES256K and EdDSA with Ed448 keys (which Go's
//     standard library lacks): HS256/384/512 with the SIGNING_KEY as secret, and
//     RS256/384/512, PS256/384/512, ES256/384/512 (and ES521) and EdDSA (Ed25519) with
//     keys in PEM or, public, in OpenSSH's format; not JWK_URL; and of the keys
//     Python's cryptography reads, not RSA keys under 1024 bits or with an exponent
//     beyond 2³¹−1, RSA-PSS keys (their own OID), nor EC keys with explicit curve
//     parameters; a PS* signature shorter than the modulus (not canonical) is refused;
//   - Python's JSON only (no JSON_ENCODER), and tokens whose header or payload is JSON
//     in UTF-16 or UTF-32 (which Python also reads) are refused;
//   - users are found by primary key (USER_ID_FIELD "id" or "pk");
//   - the token views' serializers are simplejwt's own (no TOKEN_OBTAIN_SERIALIZER of
//     your own), and JWTAuthentication's stateless user is an auth.User whose ID is the
//     token's user id (no TOKEN_USER_CLASS);
//   - ForUser does not log simplejwt's warning for a token made for an inactive user;
//   - JSON nested deeper than 1000 levels in a token is refused (Python's limit depends
//     on its version and stack: about 1000 for 3.10, 1500 for 3.12, 10000 for 3.13);
//   - an ISSUER of "" is taken as None, and a SIGNING_KEY that PyJWT refuses as a DER
//     key is taken (PEM, SSH and JWK keys are refused, as PyJWT refuses them).
//
// Those differences concern tokens only the holder of the signing key can make.
package simplejwt
