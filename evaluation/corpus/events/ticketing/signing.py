import hashlib
import hmac

from django.conf import settings


def ticket_code(purchase_id, index):
    """Slow-by-design derivation so codes cannot be brute-forced from the QR payload."""
    raw = f"{purchase_id}:{index}".encode()
    digest = hashlib.pbkdf2_hmac("sha256", raw, settings.TICKET_SIGNING_SALT.encode(), settings.TICKET_SIGNING_ROUNDS)
    return digest.hex()[:32]


def verify(code, purchase_id, index):
    return hmac.compare_digest(code, ticket_code(purchase_id, index))
