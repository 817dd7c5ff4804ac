"""``back_office_user``: the person behind a back-office action that hands them to a service;
never an anonymous one."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from secondline.accounts.requests import back_office_user
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_signed_in_request_is_its_user() -> None:
    user = UserFactory()
    request = RequestFactory().get("/admin/")
    request.user = user
    assert back_office_user(request) is user


def test_a_signed_out_request_that_got_there_is_refused() -> None:
    request = RequestFactory().get("/admin/")
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        back_office_user(request)
