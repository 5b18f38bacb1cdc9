package hashers

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// cheap returns one hasher of each kind with small work factors.
func cheap() []Hasher {
	return []Hasher{
		PBKDF2{Iterations: 1000},
		PBKDF2{SHA1: true, Iterations: 1000},
		Argon2{TimeCost: 1, MemoryCost: 64, Parallelism: 2},
		BCrypt{Rounds: 4},
		BCrypt{NoPrehash: true, Rounds: 4},
		Scrypt{WorkFactor: 1024, BlockSize: 8, Parallelism: 1},
		MD5{},
		MD5{SHA1: true},
		UnsaltedMD5{},
		UnsaltedSHA1{},
	}
}

var passwords = []string{"correct horse", "pässwörd ☃ 🔑", "", strings.Repeat("0123456789", 10)}

func TestRoundTrip(t *testing.T) {
	for _, h := range cheap() {
		for _, pw := range passwords {
			enc, err := MakeWith(h, pw)
			if err != nil {
				t.Fatalf("%s: %v", h.Algorithm(), err)
			}
			if got := AlgorithmOf(enc); got != h.Algorithm() {
				t.Errorf("%s: AlgorithmOf(%q) = %q", h.Algorithm(), enc, got)
			}
			if ok, err := h.Verify(pw, enc); !ok || err != nil {
				t.Errorf("%s: Verify(right) = %v, %v for %q", h.Algorithm(), ok, err, enc)
			}
			// Plain bcrypt truncates at 72 bytes, so only a change early on counts.
			if ok, _ := h.Verify("x"+pw, enc); ok {
				t.Errorf("%s: Verify(wrong) = true", h.Algorithm())
			}
			if h.MustUpdate(enc) {
				t.Errorf("%s: MustUpdate(own fresh hash) = true", h.Algorithm())
			}
		}
	}
}

func TestBCryptAgainstXCrypto(t *testing.T) {
	for _, pw := range []string{"", "a", "pässwörd", strings.Repeat("z", 71), strings.Repeat("y", 72)} {
		h := BCrypt{NoPrehash: true, Rounds: 5}
		enc, err := MakeWith(h, pw)
		if err != nil {
			t.Fatal(err)
		}
		mc := strings.TrimPrefix(enc, "bcrypt$")
		if err := bcrypt.CompareHashAndPassword([]byte(mc), []byte(pw)); err != nil {
			t.Errorf("x/crypto rejects our %q for %q: %v", mc, pw, err)
		}
		// And the other way: x/crypto's hash ($2a$) re-encodes to itself.
		x, err := bcrypt.GenerateFromPassword([]byte(pw), 4)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := h.Verify(pw, "bcrypt$"+string(x)); !ok || err != nil {
			t.Errorf("our Verify rejects x/crypto's %s: %v", x, err)
		}
	}
}

func TestSetCheck(t *testing.T) {
	s := All("5.2")
	enc, err := s.Make("secret")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "pbkdf2_sha256$1000000$") || len(strings.Split(enc, "$")[2]) != 22 {
		t.Fatalf("Make = %q", enc)
	}
	if ok, up := s.Check("secret", enc); !ok || up {
		t.Errorf("Check(fresh) = %v, %v", ok, up)
	}
	old, _ := PBKDF2{Iterations: 1000}.Encode("secret", "abcdefghijklmnopqrstuv")
	if ok, up := s.Check("secret", old); !ok || !up {
		t.Errorf("Check(fewer iterations) = %v, %v; want true, true", ok, up)
	}
	md5, _ := MD5{}.Encode("secret", "abcdefghijklmnopqrstuv")
	if ok, up := s.Check("secret", md5); !ok || !up {
		t.Errorf("Check(md5) = %v, %v; want true, true (other algorithm)", ok, up)
	}
	for _, enc := range []string{"", "!", "!" + strings.Repeat("a", 40), "nope$x", "pbkdf2_sha256$abc", "argon2$garbage"} {
		if ok, _ := s.Check("", enc); ok {
			t.Errorf("Check(%q) = true", enc)
		}
	}
	u, err := MakeUnusable()
	if err != nil || len(u) != 41 || IsPasswordUsable(u) {
		t.Errorf("MakeUnusable = %q, %v", u, err)
	}
	if ok, _ := ForDjango("3.2").Check("x", "scrypt$16384$abc$8$1$xx"); ok {
		t.Error("3.2 set knows scrypt")
	}
	if _, err := ForDjango("3.2").Identify("scrypt$1"); !errors.Is(err, ErrUnknownAlgorithm) {
		t.Errorf("Identify = %v", err)
	}
}

func TestAlgorithmOf(t *testing.T) {
	for enc, want := range map[string]string{
		strings.Repeat("a", 32):            "unsalted_md5",
		"md5$$" + strings.Repeat("a", 32):  "unsalted_md5",
		"sha1$$" + strings.Repeat("a", 40): "unsalted_sha1",
		"sha1$salt$abc":                    "sha1",
		"md5$salt$abc":                     "md5",
		"bcrypt_sha256$$2b$12$x":           "bcrypt_sha256",
		"argon2$argon2id$v=19":             "argon2",
		"":                                 "",
		"nodollar":                         "nodollar",
	} {
		if got := AlgorithmOf(enc); got != want {
			t.Errorf("AlgorithmOf(%q) = %q, want %q", enc, got, want)
		}
	}
}

func TestBadSalt(t *testing.T) {
	for _, h := range []Hasher{PBKDF2{}, Argon2{}, Scrypt{}, MD5{}} {
		for _, salt := range []string{"", "a$b"} {
			if _, err := h.Encode("pw", salt); !errors.Is(err, ErrBadSalt) {
				t.Errorf("%s.Encode(salt %q) = %v", h.Algorithm(), salt, err)
			}
		}
	}
	if _, err := (UnsaltedMD5{}).Encode("pw", "x"); !errors.Is(err, ErrBadSalt) {
		t.Error("unsalted md5 took a salt")
	}
}

func TestMalformedNeverPanics(t *testing.T) {
	inputs := []string{
		"argon2$", "argon2$argon2id$v=19$m=1,t=1$a$b", "argon2$argon2d$v=19$m=64,t=1,p=1$YWFhYWFhYWE$YWFh",
		"argon2$argon2id$v=16$m=64,t=1,p=1$YWFhYWFhYWE$YWFh", "argon2$argon2id$v=19$m=99999999,t=1,p=1$YWFhYWFhYWE$YWFh",
		"bcrypt_sha256$", "bcrypt_sha256$$2b$99$abcdefghijklmnopqrstuu", "bcrypt_sha256$$3b$04$abcdefghijklmnopqrstuu",
		"bcrypt_sha256$$2b$04$!!!!!!!!!!!!!!!!!!!!!!", "scrypt$0$salt$8$1$x", "scrypt$16384$salt$8$1",
		"scrypt$1048576$salt$8$1$x", "pbkdf2_sha256$-1$salt$x", "pbkdf2_sha1$1$salt", "md5$", "sha1$$",
	}
	s := All("")
	for _, in := range inputs {
		if ok, _ := s.Check("pw", in); ok {
			t.Errorf("Check(%q) = true", in)
		}
		if h, err := s.Identify(in); err == nil {
			h.MustUpdate(in)
		}
	}
}

func TestSaltAndRandom(t *testing.T) {
	s, err := NewSalt()
	if err != nil || len(s) != 22 || strings.Trim(s, RandomStringChars) != "" {
		t.Fatalf("NewSalt = %q, %v", s, err)
	}
	if mustUpdateSalt(s) || !mustUpdateSalt(s[:21]) {
		t.Error("mustUpdateSalt boundary is not 22 characters")
	}
	bs, _ := BCrypt{}.Salt()
	if !strings.HasPrefix(bs, "$2b$12$") || len(bs) != 29 {
		t.Errorf("bcrypt salt %q", bs)
	}
}

func TestIterations(t *testing.T) {
	for series, want := range map[string]int{"3.2": 260000, "4.2": 600000, "5.2": 1000000, "6.0": 1200000, "6.1": 1500000, "": 1500000} {
		if got := PBKDF2Iterations(series); got != want {
			t.Errorf("PBKDF2Iterations(%q) = %d, want %d", series, got, want)
		}
	}
}

// BenchmarkVerifyPBKDF2SHA256 verifies a password at Django 5.2's 1,000,000 iterations
// (compare with Django's check_password: scripts/bench_auth.py).
func BenchmarkVerifyPBKDF2SHA256(b *testing.B) {
	h := PBKDF2{Iterations: PBKDF2Iterations("5.2")}
	enc, _ := h.Encode("correct horse battery staple", "djsessionSalt0123ABCDE")
	b.ResetTimer()
	for b.Loop() {
		if ok, _ := h.Verify("correct horse battery staple", enc); !ok {
			b.Fatal("no match")
		}
	}
}

// BenchmarkVerifyArgon2 verifies at Django's argon2 defaults (t=2, m=100 MiB, p=8).
func BenchmarkVerifyArgon2(b *testing.B) {
	h := Argon2{}
	enc, _ := h.Encode("correct horse battery staple", "djsessionSalt0123ABCDE")
	b.ResetTimer()
	for b.Loop() {
		if ok, _ := h.Verify("correct horse battery staple", enc); !ok {
			b.Fatal("no match")
		}
	}
}

// BenchmarkVerifyBCryptSHA256 verifies at Django's 12 rounds.
func BenchmarkVerifyBCryptSHA256(b *testing.B) {
	h := BCrypt{}
	enc, _ := h.Encode("correct horse battery staple", "$2b$12$abcdefghijklmnopqrstuu")
	b.ResetTimer()
	for b.Loop() {
		if ok, _ := h.Verify("correct horse battery staple", enc); !ok {
			b.Fatal("no match")
		}
	}
}

// BenchmarkVerifyScrypt verifies at Django 5.2's scrypt parameters (N=2^14, r=8, p=5).
func BenchmarkVerifyScrypt(b *testing.B) {
	h := Scrypt{}
	enc, _ := h.Encode("correct horse battery staple", "djsessionSalt0123ABCDE")
	b.ResetTimer()
	for b.Loop() {
		if ok, _ := h.Verify("correct horse battery staple", enc); !ok {
			b.Fatal("no match")
		}
	}
}
