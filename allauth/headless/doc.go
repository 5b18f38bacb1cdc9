// Package headless is django-allauth's headless API (allauth.headless) in Go, for the
// app clients (mobile and other non-browser clients) of a Django site that logs its
// users in with allauth: the session tokens and JSON web tokens allauth hands out, taken
// and made as allauth takes and makes them, so that a Go API serves the same apps as the
// site's Django views.
//
// Settings is the site's HEADLESS_* settings (Defaults gives allauth's). Headless, over
// the site's sessions (a django.Middleware on its SESSION_ENGINE) and its users
// (auth.Config), is the token strategy of HEADLESS_TOKEN_STRATEGY:
//
//   - with SessionTokenStrategy (allauth's default), an app sends its session's key in
//     the X-Session-Token header: LookupSession and SessionUser find the session and its
//     user as allauth does;
//   - with JWTTokenStrategy, an app also holds a short-lived access token (a JWT whose
//     "sid" claim is the session's key, encrypted with AES-CTR under a key derived from
//     SECRET_KEY: SessionKeyToSID) and a refresh token recorded in the session
//     (headless_refresh_tokens). ValidateAccessToken reads an access token as allauth's
//     validate_access_token does (statelessly, or with
//     HEADLESS_JWT_STATEFUL_VALIDATION_ENABLED against its session); AccessTokenPayload
//     makes the pair for a session Go logged in; RefreshToken refreshes a pair as the
//     tokens/refresh endpoint does (rotating the refresh token with
//     HEADLESS_JWT_ROTATE_REFRESH_TOKEN).
//
// XSessionTokenAuthentication and JWTTokenAuthentication are allauth's authentication
// classes for Django REST framework (allauth.headless.contrib.rest_framework), as
// restframework.Authenticator for restframework.APIView. Of allauth's endpoints:
// RefreshTokenView is the app client's _allauth/app/v1/tokens/refresh; SessionView its
// _allauth/app/v1/auth/session (the session's user, SerializeUser's data with the
// primary address of account_emailaddress (NewSQLEmailAddresses) and the
// authentication records, or the flows of an anonymous session; DELETE logs out), and
// BrowserSessionView the browser client's, on the request's cookie session behind the
// CSRF middleware; LoginView is _allauth/app/v1/auth/login (and BrowserLoginView the
// browser client's): a username or an email address and a password, checked as
// allauth's AuthenticationBackend checks them (by username, case-insensitively, or by
// the addresses of account_emailaddress and the users' own), counted in Django's cache
// as allauth's "login" and "login_failed" rate limits count them (Headless.Cache, and
// with django.contrib.sites the current Site's domain: SiteDomain), and
// the session logged in with the user's authentication record, its new session token
// and, with JWTTokenStrategy, the access and refresh tokens; ReauthenticateView (and
// BrowserReauthenticateView) is _allauth/app/v1/auth/reauthenticate: the password of
// the session's user checked again and the reauthentication recorded;
// ChangePasswordView (and BrowserChangePasswordView) is
// _allauth/app/v1/account/password/change: the current password checked, the new one
// validated (Headless.PasswordValidators) and set, the session kept logged in under a
// new key while the user's other sessions are logged out; ConfigView (and
// BrowserConfigView) is _allauth/app/v1/config. With allauth.mfa, a login of a user
// with a second factor is stashed in the session as allauth stashes it (the pending
// "mfa_authenticate" flow), and MFAAuthenticateView (and BrowserMFAAuthenticateView),
// _allauth/app/v1/auth/2fa/authenticate, completes it with a TOTP or recovery code
// (mfa_authenticator: NewSQLAuthenticators), so that either side may start a login and
// the other complete it; MFAReauthenticateView (and BrowserMFAReauthenticateView) is
// _allauth/app/v1/auth/2fa/reauthenticate; AuthenticatorsView (and
// BrowserAuthenticatorsView) is _allauth/app/v1/account/authenticators, the user's
// authenticators, and RecoveryCodesView (and BrowserRecoveryCodesView)
// _allauth/app/v1/account/authenticators/recovery-codes, the recovery codes shown and
// made anew, and TOTPView (and BrowserTOTPView) .../authenticators/totp, a TOTP
// authenticator activated and deactivated, after a recent reauthentication (allauth's
// 401 with the ways to
// reauthenticate otherwise, as ChangePasswordView answers for a user setting a first
// password with ACCOUNT_REAUTHENTICATION_REQUIRED). The login by code:
// RequestLoginCodeView (and BrowserRequestLoginCodeView), _allauth/app/v1/auth/code/request,
// mails a code (Headless.Mailer, with the template prefix and context allauth's adapter
// gives send_mail) and stashes the login waiting for it; ConfirmLoginCodeView (and
// BrowserConfirmLoginCodeView), .../auth/code/confirm, takes the code, verifies its
// address as allauth does (SQLEmailAddresses.VerifyEmail) and logs the session in, or
// stashes the login at the second factor; ResendLoginCodeView (and
// BrowserResendLoginCodeView), .../auth/code/resend, mails a new one; and LoginView,
// with ACCOUNT_LOGIN_BY_CODE_REQUIRED, mails the code and stashes the login at its
// stage. The reauthentication by code: RequestReauthenticationCodeView,
// ConfirmReauthenticationCodeView and ResendReauthenticationCodeView (and the browser
// client's), _allauth/app/v1/auth/reauthenticate/code/request, confirm and resend, a
// code mailed to one of the user's verified addresses. The password reset by link:
// RequestPasswordResetView (and BrowserRequestPasswordResetView),
// _allauth/app/v1/auth/password/request, mails each user of the address a link whose
// key carries a token of allauth's EmailAwarePasswordResetTokenGenerator
// (PasswordResetEmails: SQLEmailAddresses), and ResetPasswordView (and
// BrowserResetPasswordView), .../auth/password/reset, reads the key and sets the new
// password with it, logging the user in with ACCOUNT_LOGIN_ON_PASSWORD_RESET; keys
// either side made are taken by the other. With ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED,
// the request mails a code instead and keeps allauth's process in the session (the
// pending "password_reset_by_code" flow), whose code the reset takes as its key. The
// verification by link: VerifyEmailView (and BrowserVerifyEmailView),
// _allauth/app/v1/auth/email/verify, reads and takes the key of allauth's verification
// mail (an EmailConfirmer: SQLEmailAddresses), and resumes a login that waits for it
// with ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION. The verification by code
// (ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED): the same view takes the code mailed at
// a login's "verify_email" stage, whose process waits in the session as allauth keeps
// it, and ResendEmailVerificationCodeView (and
// BrowserResendEmailVerificationCodeView), .../auth/email/verify/resend, mails a new
// one. The signup: SignupView (and BrowserSignupView), _allauth/app/v1/auth/signup,
// validates ACCOUNT_SIGNUP_FIELDS as allauth's SignupInput does, makes the user and its
// address as allauth's adapter makes them, and logs the new user in as
// complete_signup does (the verification mailed, or the login waiting for it); a
// signup allauth's form would treat otherwise (a form of the project's own, a user
// model without a username) goes to the fallback. The addresses: ManageEmailView (and
// BrowserManageEmailView), _allauth/app/v1/account/email, lists, adds, mails again,
// makes primary and removes the user's addresses of account_emailaddress (an
// EmailManager: SQLEmailAddresses) as allauth does, the user's own email following, and
// takes the change of address of a signup waiting for its verification by code.
// SettingsFromJSON reads the project's
// settings as scripts/export_settings.py exports them.
//
// Held live to django-allauth 65.22.1 on Django 4.2, 5.2, 6.0 and 6.1 (allauth's
// releases for Django 3.2 have neither JWTs nor the DRF classes): tokens Django made are
// taken or refused by Go as by Django, and the other way round, refreshes included.
//
// Known differences:
//
//   - HEADLESS_JWT_ALGORITHM is one of HS256, HS384, HS512, RS256, RS384 and RS512 (the
//     RSA key in PEM, named by its JWK thumbprint in the "kid" header, as allauth
//     names it);
//   - the token strategies are allauth's own (no get_claims of your own: the claims of
//     AccessTokenPayload's tokens are allauth's; ValidateAccessToken takes any);
//   - with allauth.usersessions, the logins Go makes are recorded in its table as
//     allauth records them (Headless.UserSessions: NewSQLUserSessions; without it such
//     logins are handed on), and SessionsView (and BrowserSessionsView),
//     _allauth/app/v1/auth/sessions, lists and ends the user's sessions; with
//     USERSESSIONS_TRACK_ACTIVITY, the requests of a session token (the views, the DRF
//     classes, a refresh) record their session's client and time as allauth's do, and
//     UserSessionsMiddleware does for the cookie's session what allauth's middleware
//     does (put it where Django's is);
//   - the session views do not list the flows of social accounts' providers
//     (SettingsFromJSON says so); logins after a password reset that meet a stage
//     other than the second factor or the address's verification are the fallback's;
//     a token generator of the
//     project's own (ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR) is refused;
//   - ConfigView writes the settings it tells as booleans (allauth passes on a truthy
//     value as it is: 1 for ACCOUNT_LOGIN_BY_CODE_ENABLED = 1), and the login methods
//     in sorted order (allauth's frozenset iterates as Python's hash seed has it);
//   - the notifications of ACCOUNT_EMAIL_NOTIFICATIONS (a password changed, set or
//     reset, a TOTP authenticator added or removed, recovery codes made anew) go
//     through the Mailer, with the context allauth's send_notification_mail gives
//     (the time, the client's address, its user agent); without a Mailer, the views
//     that would send one hand such requests on (ErrLoginStage);
//   - of the stages of a login, the views run the login code's (with a Mailer, and
//     without ACCOUNT_LOGIN_BY_CODE_TRUST_ENABLED, whose trusted browsers' cookie this
//     package does not read), the address's verification by link or by code
//     (ACCOUNT_EMAIL_VERIFICATION "mandatory": with a Mailer, the link or code mailed
//     to the login's address, as send_verification_email_at_login mails it, within
//     the "confirm_email" rate; the login stashed, taken on by VerifyEmailView) at
//     LoginView's logins and those after a login code or a password reset (where a
//     code's rate used up, answered by allauth's 429 from within the stage, goes to
//     the fallback; keys of the EmailConfirmation table with
//     ACCOUNT_EMAIL_CONFIRMATION_HMAC off), and the second factor's: a login that
//     would meet another, or a second factor on a site with stages after it (MFA_TRUST_ENABLED,
//     ACCOUNT_LOGIN_BY_CODE_TRUST_ENABLED, MFA_PASSKEY_SIGNUP_ENABLED), goes to its
//     fallback, the rates Go counted taken back (ErrLoginStage); so do the requests
//     that would mail without a Mailer (ACCOUNT_CHANGE_EMAIL's verifications
//     included, whose change is notified with ACCOUNT_EMAIL_NOTIFICATIONS);
//   - the mails are the Mailer's to render from the site's templates (Mail's
//     TemplatePrefix and Context; send_mail adds "email", "current_site" and the
//     request); the unknown account's mail needs HEADLESS_FRONTEND_URLS["account_signup"]
//     (allauth reverses its own signup URL on a site that is not HEADLESS_ONLY); login
//     codes go by email alone (no SMS, no phone); allauth's signals
//     (login_code_rejected, email_confirmed, ...) are not sent;
//   - MFAAuthenticateView takes codes, not WebAuthn's
//     passkeys (whose own endpoints are Django's, as is WebAuthn keys' management),
//     and refuses
//     MFA_TOTP_INSECURE_BYPASS_CODE; LoginView takes no phone numbers, and refuses a
//     site with a phone among ACCOUNT_SIGNUP_FIELDS; of AUTHENTICATION_BACKENDS it runs ModelBackend,
//     AllowAllUsersModelBackend and allauth's own, skipping others; when several users
//     share an address and a password, the first of CPython's set logs in, as in
//     allauth, for integer and UUID primary keys (Python randomizes the hashes of
//     others: Go takes the first found);
//   - the user's display name is its username (allauth's default user_display), and
//     the adapters are allauth's own; the username and the user's own email are the
//     user source's (auth.User's Username and Email), whatever other fields
//     ACCOUNT_USER_MODEL_USERNAME_FIELD and ACCOUNT_USER_MODEL_EMAIL_FIELD name;
//   - a JSON body nested deeper than 1000 levels is refused as no JSON (an empty 400);
//     Python's own limit depends on its version and stack;
//   - a token whose user id (sub) is no user id, or whose user is gone, is a server error
//     (allauth raises), as it is in Django; only the holder of the key can make one.
package headless
