import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """The org fixture creates seven users; PBKDF2 at full strength makes each test slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
