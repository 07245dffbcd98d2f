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

    def paginate_queryset(self, queryset, request, view=None):
        # DRF checks that a cursor decodes, not that its position fits the ordering field
        # (`p=2026-01-01` against an id): that surfaces when the page is filtered or read.
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, OverflowError, DjangoValidationError, DataError):
            if not request.query_params.get(self.cursor_query_param):
                raise
            raise NotFound(self.invalid_cursor_message) from None
