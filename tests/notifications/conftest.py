import pytest


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the after-commit work (fan-out, emails, timeline sync) of the block inline."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run
