"""Shared HTML view helpers: list pages (search, filters, sorting, bounded pagination), JSON
errors for API paths, global search, the health check."""

import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.forms import ModelChoiceField
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from .codes import ErrorCode, ExtraErrorCode
from .db import fixed_join_order
from .listing import ListPage, Row, render_table, values_fields
from .readiness import run_checks
from .registries import list_page_hooks, search_providers
from .versions import _safe, table_version
from .visibility import readable_owner_ids


class ListPageView(LoginRequiredMixin, TemplateView):
    """A list page: the selector's queryset, filtered, searched, sorted and paginated.

    Pagination never counts the whole table (a COUNT over a million rows costs more than the
    page itself): it fetches one row more than a page to know whether a next page exists.
    """

    filterset_class = None
    sort_fields: dict[str, object] = {}  # key -> field name or expression (F(...))
    default_sort = ""
    page_size = settings.CRM_LIST_PAGE_SIZE
    max_page = 400
    search_fields: tuple[str, ...] = ()
    # True when the page's query joins many related tables (see crm.common.db.fixed_join_order)
    join_order_fixed = False
    # True to pick the page's ids first (a query an index on the scope and sort columns answers
    # alone), then load those rows: the rows of every readable owner are never read.
    page_by_ids = False
    # Lean rows (crm.common.listing): with columns, the page reads only their fields with
    # values() and renders the table in Python (`list_table`); object_list holds listing.Row
    # dicts instead of model instances.
    columns: list | None = None
    # Saved views (crm.listviews): the list's name there ("leads"), the columns a user may add
    # besides `columns` (related names are joined by values(), never read per row) and the
    # columns that always stay first (the selection checkbox).
    resource = ""
    row_fields: tuple[str, ...] = ("id",)  # read whatever the columns (the page uses them)
    extra_columns: tuple = ()
    fixed_columns = ("select",)

    @classmethod
    def column_choices(cls) -> list:
        """Every column the column chooser offers, the page's own first."""
        own = [c for c in cls.columns or () if c.key not in cls.fixed_columns]
        keys = {c.key for c in own}
        return own + [c for c in cls.extra_columns if c.key not in keys]

    def chosen_column_keys(self) -> list[str]:
        known = {c.key for c in self.column_choices()}
        return [k for k in list_page_hooks.chosen_columns(self.request.GET) if k in known]

    def get_columns(self):
        if self.columns is None:
            return None
        chosen = self.chosen_column_keys() if self.resource else []
        if not chosen:
            return self.columns
        by_key = {c.key: c for c in self.column_choices()}
        return ([c for c in self.columns if c.key in self.fixed_columns]
                + [by_key[k] for k in chosen])

    def get(self, request, *args, **kwargs):
        from . import pagecache
        from .versions import recording

        render = super().get
        with recording():  # the saved views' tables the page's query came from count too
            if self.resource:
                response = list_page_hooks.apply_view(self)
                if response is not None:
                    return response
            return pagecache.serve_html(self, request, lambda: render(request, *args, **kwargs))

    def get_base_queryset(self):
        raise NotImplementedError  # each list page names its selector

    def get_filterset(self, queryset):
        if self.filterset_class is None:
            return None
        filterset = self.filterset_class(self.request.GET or None, queryset=queryset,
                                         request=self.request)
        limit_user_choices(filterset.form, self.request.user)
        return filterset

    def apply_search(self, queryset, term):
        q = Q()
        for field in self.search_fields:
            q |= Q(**{f"{field}__icontains": term})
        return queryset.filter(q)

    def get_sort(self):
        sort = self.request.GET.get("sort") or self.default_sort
        key = sort.lstrip("-")
        if key not in self.sort_fields:
            sort = self.default_sort
            key = sort.lstrip("-")
        return sort, key

    def get_list_queryset(self):
        """(queryset, filterset, search term, sort): every row of the list, in its order (the
        page and the exports read the same)."""
        queryset = self.get_base_queryset()
        filterset = self.get_filterset(queryset)
        if filterset is not None:
            queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
        term = (self.request.GET.get("q") or "").strip()
        if term and self.search_fields:
            queryset = self.apply_search(queryset, term)
        sort, key = self.get_sort()
        if key:
            column = self.sort_fields[key]
            desc = sort.startswith("-")
            if isinstance(column, str):
                order = f"-{column}" if desc else column
            else:  # an expression (F("score_row__score")): rows without a value go last both ways
                order = column.desc(nulls_last=True) if desc else column.asc(nulls_last=True)
            queryset = queryset.order_by(order, "-pk" if desc else "pk")
        return queryset, filterset, term, sort

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        queryset, filterset, term, sort = self.get_list_queryset()
        try:
            page = max(1, min(int(self.request.GET.get("page", 1)), self.max_page))
        except ValueError:
            page = 1
        start = (page - 1) * self.page_size
        if self.page_by_ids and not queryset.query.distinct:
            ids = queryset.values("pk")[start : start + self.page_size + 1]
            queryset = queryset.filter(pk__in=ids)  # same order, at most a page of rows
            start = 0
        columns = self.get_columns()
        if columns is not None:
            queryset = queryset.values(*values_fields(columns, self.row_fields))
        if self.join_order_fixed:
            with fixed_join_order():
                rows = list(queryset[start : start + self.page_size + 1])
        else:
            rows = list(queryset[start : start + self.page_size + 1])
        has_next = len(rows) > self.page_size and page < self.max_page
        rows = rows[: self.page_size]
        if columns is not None:
            rows = [Row(r) for r in rows]
        params = self.request.GET.copy()
        params.pop("page", None)

        def page_url(number):
            p = params.copy()
            p["page"] = number
            return "?" + p.urlencode()

        def sort_url(column):
            p = params.copy()
            p["sort"] = column if sort != column else f"-{column}"
            p.pop("page", None)
            return "?" + p.urlencode()

        ctx.update(
            object_list=rows,
            filterset=filterset,
            filter_form=filterset.form if filterset is not None else None,
            query=term,
            sort=sort,
            sort_links={name: sort_url(name) for name in self.sort_fields},
            page_number=page,
            has_next=has_next,
            has_previous=page > 1,
            next_url=page_url(page + 1) if has_next else None,
            previous_url=page_url(page - 1) if page > 1 else None,
            is_filtered=bool(term) or bool(filterset and filterset.is_bound and any(
                v for k, v in self.request.GET.items() if k not in ("page", "sort", "cols", "saved")
            )),
            querystring=params.urlencode(),
        )
        if columns is not None:
            ctx["list_table"] = render_table(columns, rows, ListPage(
                self.request, sort=sort, sort_links=ctx["sort_links"]))
        if self.resource:
            ctx["view_menu"] = list_page_hooks.view_menu(self, columns)
        return ctx


def limit_user_choices(form, user) -> None:
    """Offer only the people whose records the viewer may read in user pickers (owner filters).

    Listing every user is both noise for a seller and hundreds of <option>s to render.
    """
    User = get_user_model()  # crm.users sits above crm.common
    ids = readable_owner_ids(user)
    choices = None
    for field in form.fields.values():
        if isinstance(field, ModelChoiceField) and field.queryset.model is User:
            qs = User.objects.filter(is_active=True).only("id", "username", "first_name",
                                                          "last_name")
            field.queryset = qs if ids is None else qs.filter(id__in=ids)
            if choices is None:
                choices = _user_choices(field.queryset, ids)
            # the options come from the cache; the queryset still validates a chosen value
            field.widget.choices = ([("", field.empty_label)] if field.empty_label is not None
                                    else []) + choices


def _user_choices(queryset, ids) -> list[tuple[int, str]]:
    """(id, name) of the users a picker offers, cached per set of readable owners and
    version of the users table (one query and a few hundred model objects less per page)."""
    scope = "all" if ids is None else hashlib.md5(
        ",".join(map(str, sorted(ids))).encode(), usedforsecurity=False).hexdigest()
    key = f"user-choices:{table_version('users.User')}:{scope}"
    choices = _safe(lambda: cache.get(key))
    if choices is None:
        choices = [(u.pk, str(u)) for u in queryset]
        _safe(lambda: cache.set(key, choices, 300))
    return choices


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"code": ErrorCode.NOT_FOUND, "message": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    if _wants_json(request):
        return JsonResponse(
            {"code": ExtraErrorCode.SERVER_ERROR, "message": "An unexpected error occurred."},
            status=500,
        )
    return render(request, "500.html", status=500)


def permission_denied(request, exception=None):
    if _wants_json(request):
        return JsonResponse(
            {"code": ErrorCode.PERMISSION_DENIED,
             "message": str(exception) or "Permission denied."},
            status=403,
        )
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def bad_request(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"code": ErrorCode.VALIDATION_ERROR, "message": "Bad request."},
                            status=400)
    return render(request, "400.html", status=400)


def csrf_failure(request, reason=""):
    if _wants_json(request):
        return JsonResponse(
            {"code": ErrorCode.PERMISSION_DENIED, "message": f"CSRF check failed: {reason}"},
            status=403,
        )
    return render(request, "403.html", {"reason": _("Your form expired. Reload the page and try again.")},
                  status=403)


class GlobalSearchView(LoginRequiredMixin, TemplateView):
    template_name = "common/search.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        term = (self.request.GET.get("q") or "").strip()
        groups = []
        if len(term) >= 2:
            for provider in sorted(search_providers.values(), key=lambda p: p.order):
                results = list(provider.search(self.request.user, term, 8))
                groups.append({"name": provider.name, "label": provider.verbose_name,
                               "results": results})
        ctx.update(query=term, groups=groups,
                   total=sum(len(g["results"]) for g in groups))
        return ctx


def healthz(request):
    """Liveness: the process answers and reaches its database. Readiness is /readyz/."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def readyz(request):
    """Readiness: 200 when every dependency answers, else 503 naming the ones that do not.

    Checks the database, Redis (the cache), the Celery broker and the worker heartbeat. With
    no REDIS_URL (the embedded default) tasks run inline, so broker and worker are "inline".
    """
    checks = run_checks()
    down = [name for name, state in checks.items() if state not in ("ok", "inline", "local")]
    if not down:
        return JsonResponse({"status": "ok", "checks": checks})
    response = JsonResponse({
        "status": "unavailable", "code": ErrorCode.SERVICE_UNAVAILABLE,
        "message": f"Not ready: {', '.join(down)} unavailable.", "down": down, "checks": checks,
    }, status=503)
    response["Retry-After"] = "30"
    return response


def querystring(params: dict) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def safe_next_url(request, fallback: str, *, referer: bool = False) -> str:
    """Where to go after a POST: the `next` field (form, then query string), else the page the
    request came from when `referer` is set, else `fallback` (a URL or a URL name).

    Only this site's URLs are followed, and on HTTPS only HTTPS ones (no open redirect, no
    downgrade)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not target and referer:
        target = request.META.get("HTTP_REFERER") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return resolve_url(fallback)
