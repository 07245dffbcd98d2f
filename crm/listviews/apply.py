"""What a list page does with a view before it renders: open a saved view (`saved=<id>`), the
user's default view (the list's URL without parameters), a column move of the column chooser
(`move=<key>:up`), an export (`export=csv|xlsx`)."""

from django.http import Http404, HttpResponseRedirect, QueryDict

from . import selectors
from .resources import get_resource


def _replace_query(view, query: QueryDict) -> None:
    query._mutable = False
    view.request.GET = query


def apply_view(view):
    """None to render the page (its query maybe replaced by a view's), or a response."""
    request = view.request
    resource = get_resource(view.resource)
    if resource is None:
        return None
    if "move" in request.GET:
        return _move_column(view)
    state = view._menu_state = selectors.menu_state(user=request.user, resource=view.resource)
    by_id = {str(v.pk): v for v in state["views"]}
    saved_id = request.GET.get("saved")
    if saved_id:
        saved = by_id.get(saved_id.strip())
        if saved is None:
            raise Http404  # not a view of this list the user may read
        query = selectors.view_query(saved)
        for name in request.GET:
            if name != "saved":
                query.setlist(name, request.GET.getlist(name))
        query["saved"] = str(saved.pk)
        _replace_query(view, query)
    elif not [k for k in request.GET if k not in ("page", "export")] and state["default"]:
        saved_pk, system_key = state["default"]
        query = None
        if saved_pk is not None and str(saved_pk) in by_id:
            query = selectors.view_query(by_id[str(saved_pk)])
            query["saved"] = str(saved_pk)
        elif saved_pk is None and resource.system_view(system_key):
            query = QueryDict(mutable=True)
            for name, value in resource.system_view(system_key).params(request.user).items():
                query[name] = value
        if query is not None:
            for name in ("page", "export"):
                if name in request.GET:
                    query[name] = request.GET[name]
            _replace_query(view, query)
    export = view.request.GET.get("export")
    if export in ("csv", "xlsx"):
        from .export_jobs import export_response

        return export_response(view, export)
    return None


def _move_column(view):
    """The column chooser's up/down buttons (a plain GET form, no script needed): move one
    column of the chosen ones and come back to the list with the new order."""
    request = view.request
    choices = [c.key for c in view.column_choices()]
    chosen = [k for k in selectors.chosen_columns(request.GET) if k in choices]
    if not chosen:
        chosen = [c.key for c in view.columns or () if c.key not in view.fixed_columns]
    key, _sep, direction = request.GET.get("move", "").partition(":")
    if key in chosen:
        i = chosen.index(key)
        j = i - 1 if direction == "up" else i + 1 if direction == "down" else i
        if 0 <= j < len(chosen):
            chosen[i], chosen[j] = chosen[j], chosen[i]
    query = request.GET.copy()
    query.pop("move", None)
    query.pop("page", None)
    query.setlist("cols", [",".join(chosen)])
    return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
