"""API sign-in and the signed-in user's tokens (``accounts.tokens`` holds the rules)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from secondline.accounts import second_factor
from secondline.accounts.api import acting_user
from secondline.accounts.lockout import lockout_message
from secondline.accounts.models import ApiToken, User
from secondline.accounts.tokens import issue_token, revoke_token


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"


class SignInSerializer(AuthTokenSerializer):
    # No username is longer than the column: a longer one is a 400 before the sign-in is tried
    # (django-axes would record it in a 255-character column: a 500 on PostgreSQL).
    username = serializers.CharField(
        max_length=User._meta.get_field("username").max_length, write_only=True
    )
    otp_token = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="The one-time code (or a backup code), for a user with a second factor.",
    )


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The key: send it as `Authorization: Token <key>`.")
    id = serializers.IntegerField()
    expires_at = serializers.DateTimeField()


class ApiTokenSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text="The token of this request.")

    class Meta:
        model = ApiToken
        fields = ["id", "prefix", "created_at", "expires_at", "current"]
        read_only_fields = fields

    def get_current(self, token: ApiToken) -> bool:
        return self.context["request"].auth == token


class ObtainToken(APIView):
    """A new token for a username and password, each time: one per device or script."""

    authentication_classes: list[Any] = []  # a stale token in the header must not stop sign-in
    permission_classes = [permissions.AllowAny]
    serializer_class = SignInSerializer

    @extend_schema(request=SignInSerializer, responses={200: IssuedTokenSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = SignInSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            # django-axes marks the request it was given (this DRF request) when it refused the
            # sign-in or this failure reached the limit (accounts/lockout.py).
            if getattr(request, "axes_locked_out", False):
                raise LockedOut(lockout_message())
            raise exceptions.ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        check_second_factor(user, serializer.validated_data.get("otp_token", ""))
        token, key = issue_token(user)
        return Response({"token": key, "id": token.pk, "expires_at": token.expires_at})


def check_second_factor(user: User, code: str) -> None:
    """A user who owes a second factor gets a token only with a right code (a 400 on
    ``otp_token`` otherwise); staff who must set one up do that in the portal first."""
    step = second_factor.owed_step(user)
    if step is None:
        return
    if step == second_factor.ENROL:
        problem = _("Set up two-factor sign-in in the portal first, then ask for a token.")
    elif not code.strip():
        problem = _("Give the one-time code from your authenticator app.")
    elif second_factor.verify_code(user, code) is None:
        problem = _("The code is wrong or has expired; try the next one.")
    else:
        return
    raise exceptions.ValidationError({"otp_token": [problem]})


class TokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The signed-in user's API tokens: list them, revoke one (another user's is a 404)."""

    queryset = ApiToken.objects.none()  # for the schema; get_queryset gives the user's
    serializer_class = ApiTokenSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[ApiToken]:
        return ApiToken.objects.filter(user=acting_user(self.request))

    def perform_destroy(self, instance: ApiToken) -> None:
        revoke_token(instance)
