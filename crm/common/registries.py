"""Registries through which pipeline apps plug into the core engines.

The core never imports a pipeline app. Instead each app registers its record types (for the
timeline, search and assistant links) in its AppConfig.ready(), and contributes optional modules
(`assistant.py`, `insights.py`) that `autodiscover()` imports at start-up, the
way the Django admin discovers `admin.py`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.utils.module_loading import autodiscover_modules

DISCOVERED_MODULES = ("assistant", "insights")


@dataclass(frozen=True)
class RecordType:
    """A kind of record activities can regard and the timeline can show."""

    name: str  # API spelling, e.g. "lead", "opportunity"
    model_label: str  # "leads.Lead"
    verbose_name: str
    url_name: str  # detail URL name taking `pk`
    # "owned": leads, opportunities, ... (team rules); "public": accounts, contacts, products.
    visibility: str = "owned"
    owner_field: str = "owner"
    # Records whose timeline also shows this record's entries (rollups): instance -> [(type, id)]
    parents: Callable | None = None
    title: Callable = field(default=str)

    @property
    def model(self):
        return apps.get_model(self.model_label)


class RecordTypeRegistry:
    def __init__(self):
        self._by_name: dict[str, RecordType] = {}

    def register(self, record_type: RecordType) -> RecordType:
        self._by_name[record_type.name] = record_type
        return record_type

    def get(self, name: str) -> RecordType:
        return self._by_name[name]

    def for_model(self, model) -> RecordType:
        label = model._meta.label
        for rt in self._by_name.values():
            if rt.model_label == label:
                return rt
        raise KeyError(label)

    def names(self) -> list[str]:
        return list(self._by_name)

    def __contains__(self, name) -> bool:
        return name in self._by_name

    def all(self) -> list[RecordType]:
        return list(self._by_name.values())


record_types = RecordTypeRegistry()


@dataclass(frozen=True)
class SearchProvider:
    """Global search: `search(user, query, limit)` returns records the user may read."""

    name: str
    verbose_name: str
    search: Callable
    order: int = 100


search_providers: dict[str, SearchProvider] = {}


def register_search(provider: SearchProvider) -> SearchProvider:
    search_providers[provider.name] = provider
    return provider


_discovered = False


def autodiscover() -> None:
    global _discovered
    if _discovered:
        return
    _discovered = True
    for module in DISCOVERED_MODULES:
        autodiscover_modules(module)


@dataclass(frozen=True)
class DetailPanel:
    """A block another app adds to a record's detail page (timeline, assistant cards, ...).

    `context(request, obj)` returns the template context or None to hide the panel.
    """

    name: str
    template_name: str
    context: Callable
    order: int = 100
    column: str = "main"  # "main" or "side"
    # Loaded after the page's first paint (crm/common/panels.py); False renders it in the page.
    lazy: bool = True


detail_panels: dict[str, list[DetailPanel]] = {}


def register_panel(record_type: str, panel: DetailPanel) -> DetailPanel:
    panels = [p for p in detail_panels.get(record_type, []) if p.name != panel.name]
    panels.append(panel)
    detail_panels[record_type] = sorted(panels, key=lambda p: p.order)
    return panel


# Functions called with each new Event row, inside the transaction that wrote it (automation's
# outbox, notifications' fan-out to followers). A listener queues its work with
# `enqueue_on_commit`; it never does slow work inline and never raises for the caller's save.
event_listeners: dict[str, Callable] = {}


def register_event_listener(name: str, listener: Callable) -> Callable:
    event_listeners[name] = listener
    return listener


class ListPageHooks:
    """How the saved-views engine (crm.listviews, above this layer) plugs into every list page
    that names a `resource` (crm.common.views.ListPageView); it registers them in its
    AppConfig.ready(). The defaults are a list page without saved views."""

    def __init__(self):
        self.chosen_columns: Callable = lambda params: []  # (request.GET) -> [column keys]
        self.apply_view: Callable = lambda view: None  # (view) -> a response or None
        self.view_menu: Callable = lambda view, columns: None  # (view, columns) -> context


list_page_hooks = ListPageHooks()


def register_list_page_hooks(*, chosen_columns: Callable, apply_view: Callable,
                             view_menu: Callable) -> None:
    list_page_hooks.chosen_columns = chosen_columns
    list_page_hooks.apply_view = apply_view
    list_page_hooks.view_menu = view_menu
