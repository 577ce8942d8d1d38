"""REST API v1 wiring: routes, pagination, error handling and shared helpers.

Every view lives in its app's ``api.py``; this module only assembles them under ``/api/v1/``
and gives the whole API one pagination class and one error format:

- success lists: ``{"count", "next", "previous", "results"}``;
- errors: ``{"detail": "<message>"}``, plus ``"errors": {"<parameter or field>": [messages]}``
  for a 400 so that a script can tell which parameter or field was wrong;
- authentication: an API token (django-rest-knox, stored hashed, expiring) sent as
  ``Authorization: Token <key>``, or the browser's session; a refused token is a 401;
- bodies: at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes (else 413), JSON at most
  ``JSON_MAX_DEPTH`` levels deep (else 400).
"""

import json
import re

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.urls import include, path, re_path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from knox import auth as knox_auth
from knox.settings import knox_settings
from rest_framework import exceptions, parsers, status
from rest_framework.authentication import get_authorization_header
from rest_framework.pagination import LimitOffsetPagination

from config import db
from config.limits import JSON_MAX_DEPTH

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
# What a knox token looks like (hex, with an optional prefix): anything else is refused
# before a query (a NUL byte or a 10,000-character "token" never reaches the database).
TOKEN_FORMAT = re.compile(r"[0-9A-Za-z_-]{1,100}")


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the current state of the object.")
    default_code = "conflict"


class Busy(exceptions.APIException):
    """The database gave up waiting for a lock (config.db): nothing was saved, try again."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "busy"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


class TokenAuthentication(knox_auth.TokenAuthentication):
    """knox tokens (hashed, expiring) as ``Authorization: Token <key>``.

    A request that sends credentials which are refused (unknown, expired, malformed token) is
    a 401 with ``WWW-Authenticate: Token`` and a Chinese message; a request that sends none is
    anonymous, and where the API needs a signed-in user that is the documented 403.
    """

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header:
            return None
        if header[0].lower() != knox_settings.AUTH_HEADER_PREFIX.lower().encode():
            return None  # another scheme: not ours (and refused as not signed in)
        if len(header) != 2 or not TOKEN_FORMAT.fullmatch(header[1].decode("latin-1")):
            raise exceptions.AuthenticationFailed(self.refused_message())
        try:
            result = super().authenticate(request)
        except exceptions.AuthenticationFailed as exc:
            raise exceptions.AuthenticationFailed(self.refused_message()) from exc
        from townships import first_login

        if result and first_login.must_change_password(result[0]):
            # A one-time password is changed before anything else, by token too.
            raise exceptions.PermissionDenied(first_login.api_refusal_message())
        return result

    def authenticate_header(self, request):
        if get_authorization_header(request):
            return knox_settings.AUTH_HEADER_PREFIX
        return None

    @staticmethod
    def refused_message():
        return gettext(
            "The API token is invalid, has expired or belongs to an inactive account; "
            "ask the administrator for a new one (manage.py create_api_token)."
        )


def _depth_exceeds(value, limit) -> bool:
    """Whether parsed JSON nests deeper than ``limit`` (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, bounded: a body nested deeper than ``JSON_MAX_DEPTH`` (or too deep for
    Python to parse) is a 400. (DRF reads the body through Django, which refuses one over
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``: the exception handler makes that a 413.)"""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        too_deep = exceptions.ParseError(
            gettext("The JSON body nests deeper than %(depth)d levels.") % {"depth": JSON_MAX_DEPTH}
        )
        try:
            data = json.loads(raw.decode(encoding), parse_constant=self._refuse_constant)
        except RecursionError:
            raise too_deep from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise exceptions.ParseError(gettext("The body is not valid JSON: %(error)s") % {"error": exc})
        if _depth_exceeds(data, JSON_MAX_DEPTH):
            raise too_deep
        return data

    @staticmethod
    def _refuse_constant(name):
        raise ValueError(gettext("%(name)s is not a number JSON allows.") % {"name": name})


class Pagination(LimitOffsetPagination):
    """Limit/offset pagination whose page size is capped and whose parameters are checked.

    DRF ignores a malformed ``limit`` or ``offset``; here it is a 400 naming the parameter.
    A ``limit`` above the cap is lowered to the cap (documented in docs/api.md).
    """

    default_limit = DEFAULT_PAGE_SIZE
    max_limit = MAX_PAGE_SIZE

    @staticmethod
    def _parse(request, name, minimum):
        raw = request.query_params.get(name)
        if raw is None or raw.strip() == "":
            return None
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = None
        if value is None or value < minimum:
            raise exceptions.ValidationError(
                {name: [gettext("Must be a whole number of at least %(minimum)d.") % {"minimum": minimum}]}
            )
        return value

    def get_limit(self, request):
        value = self._parse(request, self.limit_query_param, 1)
        if value is None:
            return self.default_limit
        return min(value, self.max_limit)

    def get_offset(self, request):
        value = self._parse(request, self.offset_query_param, 0)
        return value or 0

    def get_schema_operation_parameters(self, view):
        limit, offset = super().get_schema_operation_parameters(view)
        limit["schema"].update(minimum=1)
        limit["description"] = gettext(
            "Number of results per page (default %(default)d; above %(cap)d the page holds %(cap)d)."
        ) % {"default": self.default_limit, "cap": self.max_limit}
        offset["schema"].update(minimum=0)
        return [limit, offset]


def _django_validation_detail(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    return {"non_field_errors": [str(m) for m in exc.messages]}


def _flatten(errors, prefix=""):
    """Yield (parameter, message) pairs from a DRF error structure (dicts, lists, strings)."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(errors, list):
        for index, value in enumerate(errors):
            if isinstance(value, (dict, list)):
                yield from _flatten(value, f"{prefix}[{index}]")
            else:
                yield prefix, str(value)
    else:
        yield prefix, str(errors)


def is_state_conflict(exc: DjangoValidationError) -> bool:
    """A workflow error about the object's state (wrong state for the step) is a 409: the
    workflow's StateConflict says so with ``http_status``."""
    if getattr(exc, "http_status", None) == status.HTTP_409_CONFLICT:
        return True
    codes = set()
    if hasattr(exc, "error_dict"):
        for errors in exc.error_dict.values():
            codes.update(getattr(e, "code", None) for e in errors)
    else:
        codes.update(getattr(e, "code", None) for e in getattr(exc, "error_list", [exc]))
    return bool(codes & {"state", "invalid_state", "wrong_state", "conflict"})


def exception_handler(exc, context):
    """Turn every expected error into a JSON 4xx: validation → 400 naming the parameters or
    fields, permission → 403, unknown object → 404, state conflict → 409.

    Unexpected exceptions are not swallowed: they are bugs and stay 500s (the test suite
    fuzzes every endpoint to make sure none is reachable).
    """
    if isinstance(exc, DjangoValidationError):
        if is_state_conflict(exc):
            exc = Conflict(
                detail=" ".join(str(m) for m in exc.messages),
                code=getattr(exc, "code", None) or Conflict.default_code,
            )
        else:
            exc = exceptions.ValidationError(detail=_django_validation_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(detail=str(exc) or None)
    elif isinstance(exc, ObjectDoesNotExist):
        exc = exceptions.NotFound(detail=str(exc) or None)
    elif isinstance(exc, ValueError) and getattr(exc, "param", None):
        # A service's parameter error (e.g. the flag engine's FlagFilterError) names its parameter.
        exc = exceptions.ValidationError({exc.param: [getattr(exc, "message", None) or str(exc)]})
    elif isinstance(exc, IntegrityError):
        exc = Conflict(detail=gettext("The change breaks a rule of the data: %(error)s") % {"error": exc})
    elif db.is_busy(exc):
        exc = Busy(detail=db.busy_message())
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(
            detail=gettext("The request body is larger than %(limit)d KB.")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024}
        )

    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        data = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        pairs = list(_flatten(data))
        response.data = {
            "detail": "; ".join(
                f"{name}: {message}" if name and name != "non_field_errors" else message
                for name, message in pairs
            ),
            "errors": data,
        }
    elif not isinstance(response.data, dict) or "detail" not in response.data:
        response.data = {"detail": response.data}
    if isinstance(exc, (Conflict, Busy)):
        response.data["code"] = exc.get_codes()
    if isinstance(exc, Busy):
        response["Retry-After"] = str(db.RETRY_AFTER_SECONDS)
    return response


# Routes. Imported lazily: DRF's generic views read the settings that point at this module, so
# the classes above must exist before anything imports rest_framework.generics.


def build_router():
    from rest_framework.routers import DefaultRouter

    from delegations.api import AssignmentViewSet, DelegationViewSet
    from delegations.api.calls import CallViewSet
    from delegations.api.cases import CaseViewSet
    from duties.api.views import DutyItemViewSet
    from townships.api.views import CountyViewSet, DepartmentViewSet, TownshipViewSet

    router = DefaultRouter()
    router.register("counties", CountyViewSet, basename="county")
    router.register("townships", TownshipViewSet, basename="township")
    router.register("departments", DepartmentViewSet, basename="department")
    router.register("duty-items", DutyItemViewSet, basename="duty-item")
    router.register("delegations", DelegationViewSet, basename="delegation")
    router.register("assignments", AssignmentViewSet, basename="assignment")
    router.register("cases", CaseViewSet, basename="case")
    router.register("calls", CallViewSet, basename="call")
    return router


def api_urlpatterns():
    from delegations.api import FlagListView, FlagSummaryView
    from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

    from config import schema  # noqa: F401  (registers the token scheme for the schema)
    from duties.api.check import TownshipCheckView
    from duties.api.views import TownshipListsView

    return [
        path("schema/", SpectacularAPIView.as_view(), name="schema"),
        # The split view serves its start-up script as a file: no inline script (CSP).
        path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
        path("townships/<str:code>/lists/", TownshipListsView.as_view(), name="township-lists"),
        path("townships/<str:code>/check/", TownshipCheckView.as_view(), name="township-check"),
        path("flags/", FlagListView.as_view(), name="flag-list"),
        path("flags/summary/", FlagSummaryView.as_view(), name="flag-summary"),
        path("", include(build_router().urls)),
    ]


def urls():
    """The /api/v1/ URL patterns, mounted by config/urls.py (a function, not a module-level
    list: building them imports DRF's generic views, which read the settings that point at
    this module). The URL kwarg must be ``version`` (URLPathVersioning)."""
    return [
        re_path(r"^api/(?P<version>v1)/", include((api_urlpatterns(), "api"), namespace="api")),
    ]
