import hashlib
import hmac


def verify_signature(secret: str, body: bytes, header: str) -> bool:
    """The receiver's check, exactly as docs/webhooks.md shows it."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)
