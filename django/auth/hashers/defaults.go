package hashers

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
