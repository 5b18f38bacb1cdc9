"""A cheap password hasher for tests (DJANGOAPP_FAST_HASHER=1): the stored form is an
ordinary pbkdf2_sha256 hash with 1000 iterations, which any PBKDF2 verifier accepts."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1000
