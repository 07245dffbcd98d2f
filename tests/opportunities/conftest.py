from importlib import import_module

import pytest


@pytest.fixture(autouse=True)
def _process_defaults(request):
    """The stage steps come from a data migration; a transactional test (which flushes the
    tables) may have removed them, so put the PROCESS.md defaults back when they are missing."""
    names = request.fixturenames
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in names or "live_server" in names or (
        marker is not None and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.apps import apps

    from opportunities.models import StageStep

    if not StageStep.objects.exists():
        import_module("opportunities.migrations.0002_seed_stage_steps").seed(apps, None)
