from django.contrib.auth.hashers import PBKDF2PasswordHasher


class StrongerPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Security review 2025: three times Django's default work factor."""

    algorithm = "pbkdf2_sha256_x3"
    iterations = PBKDF2PasswordHasher.iterations * 3
