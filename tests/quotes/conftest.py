import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The org fixture hashes seven passwords; PBKDF2 at full strength costs seconds here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
