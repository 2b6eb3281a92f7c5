from django.contrib.auth.hashers import PBKDF2PasswordHasher


class BillingPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """PCI review asked for a higher work factor than Django's default."""

    algorithm = "pbkdf2_sha256_pci"
    iterations = PBKDF2PasswordHasher.iterations * 3
