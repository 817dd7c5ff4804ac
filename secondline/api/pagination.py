from rest_framework.pagination import CursorPagination


class UpdatedCursorPagination(CursorPagination):
    """Stable pages while tickets change: newest update first, id breaks ties."""

    ordering = ("-updated_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
