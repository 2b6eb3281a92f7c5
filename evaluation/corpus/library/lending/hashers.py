from django.contrib.auth.hashers import PBKDF2PasswordHasher


class CouncilPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """The council's IT policy mandates a higher work factor."""

    algorithm = "pbkdf2_sha256_council"
    iterations = PBKDF2PasswordHasher.iterations * 3
