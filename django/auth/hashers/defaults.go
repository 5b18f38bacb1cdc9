package hashers

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ForDjango returns the default PASSWORD_HASHERS of a Django release series ("3.2", "4.2",
// "5.2", "6.0", "6.1"; "" = the newest) with that release's work factors:
// PBKDF2 (SHA-256, preferred), PBKDF2 SHA-1, Argon2, BCrypt SHA-256 and, from 4.0, Scrypt.
func ForDjango(series string) *Set {
	it := PBKDF2Iterations(series)
	s := NewSet(PBKDF2{Iterations: it}, PBKDF2{SHA1: true, Iterations: it}, Argon2{}, BCrypt{})
	if series != "3.2" && series != "3.1" && series != "3.0" {
		s.hashers = append(s.hashers, Scrypt{Parallelism: ScryptParallelism(series)})
	}
	return s
}

// All returns a Set of every hasher this package implements, with the work factors of
// series and PBKDF2 preferred: the default ones and bcrypt, md5, sha1,
// unsalted_md5 and unsalted_sha1 (useful to verify and upgrade old databases).
func All(series string) *Set {
	s := ForDjango(series)
	if s.hashers[len(s.hashers)-1].Algorithm() != "scrypt" {
		s.hashers = append(s.hashers, Scrypt{Parallelism: ScryptParallelism(series)})
	}
	s.hashers = append(s.hashers, BCrypt{NoPrehash: true}, MD5{}, MD5{SHA1: true}, UnsaltedMD5{}, UnsaltedSHA1{})
	return s
}

// ErrUnknownHasher: a PASSWORD_HASHERS entry that FromSettings has no hasher for (a
// project's own hasher class, or one the Django series does not have: Django fails to
// import it).
var ErrUnknownHasher = errors.New("hashers: no Go hasher for this PASSWORD_HASHERS entry")

// FromSettings returns the Set of a PASSWORD_HASHERS setting (the dotted paths of
// Django's hasher classes, in order: the first makes new hashes) with the work factors of
// the Django release series ("3.2", "5.2"; a version such as "5.2.19" is cut to its
// series; "" = the newest), as scripts/export_settings.py exports it. A path this package
// does not implement (a project's own class; CryptPasswordHasher, Unix crypt(3), which
// Django deprecated in 4.1 and removed in 5.0), or that the series lacks
// (ScryptPasswordHasher before 4.0; the SHA-1 and unsalted hashers from 5.1), is
// ErrUnknownHasher.
func FromSettings(series string, names []string) (*Set, error) {
	if parts := strings.SplitN(series, ".", 3); len(parts) == 3 {
		series = parts[0] + "." + parts[1]
	}
	old := series != "" && seriesBefore(series, 5, 1)
	const p = "django.contrib.auth.hashers."
	var hs []Hasher
	for _, name := range names {
		var h Hasher
		switch name {
		case p + "PBKDF2PasswordHasher":
			h = PBKDF2{Iterations: PBKDF2Iterations(series)}
		case p + "PBKDF2SHA1PasswordHasher":
			h = PBKDF2{SHA1: true, Iterations: PBKDF2Iterations(series)}
		case p + "Argon2PasswordHasher":
			h = Argon2{}
		case p + "BCryptSHA256PasswordHasher":
			h = BCrypt{}
		case p + "BCryptPasswordHasher":
			h = BCrypt{NoPrehash: true}
		case p + "ScryptPasswordHasher":
			if series == "" || !seriesBefore(series, 4, 0) {
				h = Scrypt{Parallelism: ScryptParallelism(series)}
			}
		case p + "MD5PasswordHasher":
			h = MD5{}
		case p + "SHA1PasswordHasher":
			if old {
				h = MD5{SHA1: true}
			}
		case p + "UnsaltedMD5PasswordHasher":
			if old {
				h = UnsaltedMD5{}
			}
		case p + "UnsaltedSHA1PasswordHasher":
			if old {
				h = UnsaltedSHA1{}
			}
		}
		if h == nil {
			return nil, fmt.Errorf("%w: %s (Django %s)", ErrUnknownHasher, name, orNewest(series))
		}
		hs = append(hs, h)
	}
	if len(hs) == 0 {
		return nil, fmt.Errorf("%w: PASSWORD_HASHERS is empty", ErrUnknownHasher)
	}
	return NewSet(hs[0], hs[1:]...), nil
}

func orNewest(series string) string {
	if series == "" {
		return "newest"
	}
	return series
}

// seriesBefore reports whether the series "X.Y" is older than major.minor.
func seriesBefore(series string, major, minor int) bool {
	x, y, _ := strings.Cut(series, ".")
	mj, err1 := strconv.Atoi(x)
	mn, err2 := strconv.Atoi(y)
	if err1 != nil || err2 != nil {
		return false // (an unknown series is the newest)
	}
	return mj < major || mj == major && mn < minor
}
