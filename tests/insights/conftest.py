import pytest

from .factories import build_dataset


@pytest.fixture
def dataset(org):
    return build_dataset(org)
