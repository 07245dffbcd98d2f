"""Reads of saved views: who sees which (their own; their team's shared ones; everyone's)."""

from django.db.models import Q
from django.http import Http404, QueryDict

from .models import DefaultView, SavedView, SharedWith

# Query parameters of a list page that are not filters
NOT_FILTERS = frozenset({"page", "sort", "cols", "saved", "export", "move"})


def readable_q(user) -> Q:
    q = Q(owner_id=user.pk) | Q(shared_with=SharedWith.EVERYONE)
    if user.team_id is not None:
        q |= Q(shared_with=SharedWith.TEAM, owner__team_id=user.team_id)
    return q


def view_list(*, user, resource: str | None = None):
    qs = SavedView.objects.filter(readable_q(user)).select_related("owner")
    if resource:
        qs = qs.filter(resource=resource)
    return qs.order_by("name", "id")


def view_get(*, user, pk, resource: str | None = None) -> SavedView:
    """The view if `user` may read it; 404 otherwise (a private view of someone else)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    view = view_list(user=user, resource=resource).filter(pk=pk).first()
    if view is None:
        raise Http404
    return view


def default_view(*, user, resource: str) -> DefaultView | None:
    return (DefaultView.objects.filter(user=user, resource=resource)
            .select_related("saved_view").first())


def view_query(view: SavedView) -> QueryDict:
    """The list page's query parameters of a saved view: its filters, sort and columns."""
    query = QueryDict(mutable=True)
    for name, value in (view.filters or {}).items():
        if name in NOT_FILTERS:
            continue
        if isinstance(value, list):
            query.setlist(name, [str(v) for v in value])
        else:
            query[name] = str(value)
    if view.ordering:
        query["sort"] = view.ordering
    if view.columns:
        query["cols"] = ",".join(view.columns)
    return query


def split_query(query) -> tuple[dict, str, list[str]]:
    """(filters, ordering, columns) of a list page's query parameters."""
    filters = {}
    for name in query:
        if name in NOT_FILTERS:
            continue
        values = [v for v in query.getlist(name) if v != ""]
        if not values:
            continue
        filters[name] = values if len(values) > 1 else values[0]
    return filters, query.get("sort", ""), chosen_columns(query)


def chosen_columns(query) -> list[str]:
    """`cols=a,b` or `cols=a&cols=b` -> ["a", "b"] (each once, in order)."""
    out: list[str] = []
    for value in query.getlist("cols"):
        for key in value.split(","):
            key = key.strip()
            if key and key not in out:
                out.append(key)
    return out


def menu_state(*, user, resource: str) -> dict:
    """What a list page needs of the user's views, cached per user, list and table versions
    (a list page costs no query for it once warm): {"default": (saved_id, system_key) | None,
    "views": [SavedView (unsaved copies, owner's name in `owner_name`)]}."""
    from crm.common.versions import cached

    def compute() -> dict:
        default = (DefaultView.objects.filter(user=user, resource=resource)
                   .values_list("saved_view_id", "system_key").first())
        views = [
            {"id": v.pk, "owner_id": v.owner_id, "owner_name": str(v.owner), "name": v.name,
             "resource": v.resource, "filters": v.filters, "ordering": v.ordering,
             "columns": v.columns, "shared_with": v.shared_with}
            for v in view_list(user=user, resource=resource)]
        return {"default": default, "views": views}

    state = cached(f"listviews:menu:{user.pk}:{user.team_id}:{resource}", compute,
                   tables=("listviews.SavedView", "listviews.DefaultView", "users.User"))
    views = []
    for data in state["views"]:
        data = dict(data)
        owner_name = data.pop("owner_name")
        view = SavedView(**data)
        view.owner_name = owner_name
        views.append(view)
    return {"default": state["default"], "views": views}
