from rest_framework import pagination


class CursorPage(pagination.CursorPagination):
    """`{"next", "previous", "results"}`; stable while rows are added (no duplicates/skips)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"
