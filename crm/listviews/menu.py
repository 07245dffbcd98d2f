"""The view menu of a list page: system views, the user's and shared saved views, the column
chooser, "Save as view", exports."""

from django.urls import reverse

from . import selectors
from .models import SharedWith
from .resources import get_resource
from .services import may_share

# parameters that are not part of what a view saves
_TRANSIENT = ("page", "saved", "export", "move")


def _query_of(params: dict):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for name, value in params.items():
        query[name] = value
    return query


def _same(query, params: dict) -> bool:
    current = {k: query.getlist(k) for k in query if k not in ("page", "cols", "saved")}
    return current == {k: [str(v)] for k, v in params.items()}


def view_menu(view, columns) -> dict:
    request = view.request
    user = request.user
    resource = get_resource(view.resource)
    query = request.GET
    saved_id = query.get("saved", "")
    list_url = request.path
    state = getattr(view, "_menu_state", None) or selectors.menu_state(
        user=user, resource=view.resource)
    default_saved, default_key = state["default"] or (None, "")
    if default_saved is not None:
        default_key = ""
    plain = not [k for k in query if k not in ("page", "cols")]

    system = []
    for i, sv in enumerate(resource.system_views):
        params = sv.params(user)
        system.append({
            "key": sv.key, "label": sv.label,
            "url": f"{list_url}?{_query_of(params).urlencode()}",
            "active": not saved_id and (_same(query, params) or (plain and i == 0)),
            "default": default_key == sv.key,
        })
    saved = state["views"]
    for v in saved:
        v.is_default = v.pk == default_saved
    mine, shared = [], []
    for v in saved:
        entry = {"id": v.pk, "name": v.name, "url": f"{list_url}?saved={v.pk}",
                 "active": str(v.pk) == saved_id, "default": v.is_default,
                 "shared_with": v.shared_with, "owner": v.owner_name}
        (mine if v.owner_id == user.pk else shared).append(entry)
    current = next((v for v in saved if str(v.pk) == saved_id), None)

    chosen = [c for c in columns or view.columns or () if c.key not in view.fixed_columns]
    chosen_keys = [c.key for c in chosen]
    others = [c for c in view.column_choices() if c.key not in chosen_keys]
    chooser = ([{"key": c.key, "label": c.label, "checked": True, "first": i == 0,
                 "last": i == len(chosen) - 1} for i, c in enumerate(chosen)]
               + [{"key": c.key, "label": c.label, "checked": False} for c in others])
    keep = [(k, v) for k in query for v in query.getlist(k) if k not in ("cols", "move", "page",
                                                                        "export")]
    save_query = query.copy()
    for name in _TRANSIENT:
        save_query.pop(name, None)
    export_query = query.copy()
    export_query.pop("page", None)
    export_query.pop("move", None)

    def export_url(fmt):
        q = export_query.copy()
        q["export"] = fmt
        return f"{list_url}?{q.urlencode()}"

    make_default = None
    active_system = next((v for v in system if v["active"]), None)
    if current is not None:
        if not current.is_default:
            make_default = [("saved", str(current.pk))]
    elif active_system is not None and not active_system["default"]:
        make_default = [("system", active_system["key"])]

    share_choices = [(value, label) for value, label in SharedWith.choices
                     if may_share(user, value)]
    return {
        "resource": view.resource,
        "system": system,
        "mine": mine,
        "shared": shared,
        "current": current,
        "chooser": chooser,
        "chooser_keep": keep,
        "save_query": save_query.urlencode(),
        "save_url": reverse("listview-save", args=[view.resource]),
        "manage_url": reverse("listview-manage", args=[view.resource]),
        "default_url": reverse("listview-default", args=[view.resource]),
        "csv_url": export_url("csv"),
        "xlsx_url": export_url("xlsx"),
        "share_choices": share_choices,
        "make_default": make_default,
        "cols_value": ",".join(chosen_keys) if "cols" in query else "",
        "next": request.get_full_path(),
    }
