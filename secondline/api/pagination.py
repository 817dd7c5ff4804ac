from rest_framework.pagination import CursorPagination, PageNumberPagination


class UpdatedCursorPagination(CursorPagination):
    """Stable pages while tickets change: newest update first, id breaks ties."""

    ordering = ("-updated_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class CreatedCursorPagination(UpdatedCursorPagination):
    """Newest first, for rows that never change their time (notices)."""

    ordering = ("-created_at", "-id")


class ReceivedCursorPagination(UpdatedCursorPagination):
    """Newest arrival first (the email quarantine)."""

    ordering = ("-received_at", "-id")


class RankedPagination(PageNumberPagination):
    """A text search's pages keep its order (best match first), numbered."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
