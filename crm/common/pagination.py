from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from rest_framework import pagination
from rest_framework.exceptions import NotFound


class CursorPage(pagination.CursorPagination):
    """`{"next", "previous", "results"}`; stable while rows are added (no duplicates/skips)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"

    def get_ordering(self, request, queryset, view):
        # Rows sharing the value of the chosen field (many invoices due the same day) come in a
        # fixed order, the id breaking ties: the cursor's offset among equal values then always
        # counts the same rows, and every read of a page lists them alike.
        ordering = tuple(super().get_ordering(request, queryset, view))
        if not any(field.lstrip("-") in ("id", "pk") for field in ordering):
            ordering = (*ordering, "-id" if ordering[0].startswith("-") else "id")
        return ordering

    def paginate_queryset(self, queryset, request, view=None):
        # DRF checks that a cursor decodes, not that its position fits the ordering field
        # (`p=2026-01-01` against an id): that surfaces when the page is filtered or read.
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, OverflowError, DjangoValidationError, DataError):
            if not request.query_params.get(self.cursor_query_param):
                raise
            raise NotFound(self.invalid_cursor_message) from None
