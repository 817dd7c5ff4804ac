"""``acting_user``: the signed-in user behind a request, for every view, endpoint and
back-office action that hands the user to a service; never an anonymous one."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from rest_framework.request import Request

from secondline.accounts.api import acting_user
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_signed_in_request_acts_as_its_user() -> None:
    user = UserFactory()
    request = RequestFactory().get("/")
    request.user = user
    assert acting_user(request) is user
    api_request = Request(request)
    api_request.user = user  # as the REST framework's authentication sets it
    assert acting_user(api_request) is user


def test_a_signed_out_request_that_slipped_through_is_refused() -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        acting_user(request)
