"""Services queue their own app's Celery tasks by name (tasks.py imports the services, so the
services do not import it back: docs/development.md, "Layers and import contracts")."""

import ast
from pathlib import Path

import pytest
from celery import current_app
from django.core.cache import cache

from crm.common.models import OutboxMessage
from crm.common.queue import enqueue_on_commit

CRM = Path(__file__).resolve().parents[2] / "crm"
QUEUEING = {"enqueue_on_commit", "publish"}


def _queued_names(path: Path) -> list[tuple[int, str]]:
    """(line, task name) of every `enqueue_on_commit(<name>, ...)`/`publish(<name>, ...)` in a
    module whose first argument is a string or a module-level string constant."""
    tree = ast.parse(path.read_text())
    constants = {
        target.id: node.value.value
        for node in tree.body if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for target in node.targets if isinstance(target, ast.Name)
    }
    for node in tree.body:  # constants imported from a sibling module (DELIVER)
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            sibling = path.with_name(f"{node.module}.py")
            if sibling.exists():
                for name, value in _module_constants(sibling).items():
                    if any(alias.name == name for alias in node.names):
                        constants[name] = value
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in QUEUEING and node.args):
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((node.lineno, first.value))
            elif isinstance(first, ast.Name) and first.id in constants:
                found.append((node.lineno, constants[first.id]))
    return found


def _module_constants(path: Path) -> dict[str, str]:
    tree = ast.parse(path.read_text())
    return {target.id: node.value.value
            for node in tree.body if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
            for target in node.targets if isinstance(target, ast.Name)}


def test_every_task_queued_by_name_is_a_registered_task():
    queued = [(path, line, name) for path in sorted(CRM.rglob("*.py"))
              for line, name in _queued_names(path)]
    assert len({name for _, _, name in queued}) >= 6  # cardscan, notifications, automation
    unknown = [f"{path.relative_to(CRM.parent)}:{line} {name}" for path, line, name in queued
               if name not in current_app.tasks]
    assert unknown == []


def test_a_task_queued_by_name_runs_after_the_commit(db, django_capture_on_commit_callbacks):
    cache.delete("celery-ping:by-name")
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit("crm.common.ping", "by-name")
        assert cache.get("celery-ping:by-name") is None  # not before the commit
    assert cache.get("celery-ping:by-name") == "pong"


def test_a_misspelt_task_name_fails_at_once_not_after_the_commit(
        db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(KeyError):
        enqueue_on_commit("crm.common.pnig", "typo")
    assert callbacks == []
    assert not OutboxMessage.objects.filter(task_name="crm.common.pnig").exists()
