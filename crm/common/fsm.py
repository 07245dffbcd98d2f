"""The one state-machine policy of every django-fsm model (docs/development.md, "Models").

Every `FSMField` is `protected=True` (only a `@transition` changes it, never an assignment),
every model with one inherits `StateMachineMixin`, and every transition runs in a service that
holds the row with `select_for_update()` (so no `ConcurrentTransitionMixin`: the lock already
serialises transitions, and `BaseModel.version` answers a stale API write with 412).

django-fsm's own `FSMModelMixin.refresh_from_db` switches the *shared* field's `protected` flag
off and on around the reload: two threads of one server process reloading records of the same
model at once could see the flag in the other's state and fail with "Direct status
modification is not allowed" (found under load with gunicorn's gthread workers). Here only the
reloaded instance changes: its loaded state values are taken out of the instance before the
reload, so the reload sets them the way a fresh load from the database does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django_fsm import FSMFieldMixin

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet

    _Base = Model
else:
    _Base = object


class StateMachineMixin(_Base):
    """Put first in the bases of a model with `FSMField(..., protected=True)` fields."""

    def refresh_from_db(self, using: str | None = None, fields: Iterable[str] | None = None,
                        from_queryset: QuerySet[Any] | None = None) -> None:
        protected = [f.attname for f in self._meta.concrete_fields
                     if isinstance(f, FSMFieldMixin) and f.protected]
        if not protected:
            super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
            return
        if fields is None:
            # What Django does for fields=None (every loaded field, cached relations dropped),
            # with the fields named: a state value taken out below must still be reloaded.
            self.__dict__["_prefetched_objects_cache"] = {}
            for rel in self._meta.related_objects:
                if rel.is_cached(self):
                    rel.delete_cached_value(self)
            for private in self._meta.private_fields:
                if private.is_relation and private.is_cached(self):
                    private.delete_cached_value(self)
            deferred = self.get_deferred_fields()
            fields = [f.attname for f in self._meta.concrete_fields if f.attname not in deferred]
        else:
            fields = list(fields)
        held = {name: self.__dict__.pop(name) for name in protected
                if name in fields and name in self.__dict__}
        try:
            super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        except BaseException:
            for name, value in held.items():
                self.__dict__.setdefault(name, value)
            raise
