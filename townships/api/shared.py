"""Pieces every app's API uses: the scoped queryset, codes in paths and parameters, and the
reference serializer.

Objects are addressed by their business codes. A county's and a township's division codes are
unique; a department's or an item's code only within its county, so ``?county=`` picks the
county when a code is used in several. Every queryset goes through
:func:`townships.access.restrict`.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import exceptions, serializers

from townships import access
from townships.models import Department

COUNTY_PARAM = OpenApiParameter(
    "county",
    OpenApiTypes.STR,
    description=_("County code, needed only when the code is used in several counties."),
)
CODE_PATH = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH)


class CodeNameSerializer(serializers.Serializer):
    """A reference to another object: its business code and its name."""

    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


def scoped(request, queryset, action="view"):
    """The one door every API queryset goes through."""
    return access.restrict(request.user, queryset, action=action)


def bad_parameter(name, message):
    return exceptions.ValidationError({name: [message]})


def is_code_like(value) -> bool:
    """A string that can be a business code at all (no NUL byte, which PostgreSQL refuses,
    and not absurdly long); anything else cannot name an object."""
    return isinstance(value, str) and "\x00" not in value and len(value) <= 200


# --- Codes in query parameters ---------------------------------------------------------------


class CodeChoiceField(forms.ModelChoiceField):
    """A business code naming objects of the queryset (``to_field_name="code"``).

    The cleaned value is the queryset of the objects with that code: one, or — for codes
    unique only within a county (departments) — one per county using it, unless the filter's
    queryset is narrowed to one county. A code naming none is refused with "Unknown … code".
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value).strip()
        matches = self.queryset.none()
        if is_code_like(value):
            matches = self.queryset.filter(**{self.to_field_name: value})
        if not matches.exists():
            # Message and params apart: django-filter formats them (a "%" in the code is text).
            raise ValidationError(
                gettext("Unknown %(object)s code “%(code)s”."),
                code="invalid_choice",
                params={"object": self.queryset.model._meta.verbose_name, "code": value},
            )
        return matches

    def validate(self, value):
        forms.Field.validate(self, value)


@extend_schema_field(OpenApiTypes.STR)
class CodeFilter(filters.ModelChoiceFilter):
    """``?county=990101``: rows related to the object(s) with that code among those the user
    sees (``queryset`` defaults to ``model``'s, scoped); an unknown code is a 400 naming the
    parameter."""

    field_class = CodeChoiceField

    def __init__(self, *args, model=None, **kwargs):
        if model is not None:
            kwargs.setdefault("queryset", lambda request: scoped(request, model.objects.all()))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(**{f"{self.field_name}__in": value})


def departments_of_county_param(request):
    """The departments the user sees, within ``?county=`` when it names a county: a department
    code is unique only within its county."""
    departments = scoped(request, Department.objects.all())
    county = request.query_params.get("county") if request is not None else None
    if county and is_code_like(county) and county.strip():
        departments = departments.filter(county__code=county.strip())
    return departments


# --- Codes in paths and request bodies -------------------------------------------------------


def county_param(request, name="county"):
    value = request.query_params.get(name)
    if value is not None and not is_code_like(value):
        raise bad_parameter(name, gettext("Not a county code."))
    return value.strip() if value and value.strip() else None


def find_department(request, code, county_code=None, param="department", queryset=None):
    """The department with ``code`` (in ``county_code`` when given) visible to the user.

    A code used in several counties without a county is a 400 naming ``county`` (or ``param``
    for a body field); an unknown code is a 400 naming ``param``.
    """
    unknown = gettext("Unknown department code “%(code)s”.") % {"code": code}
    if not is_code_like(code) or (county_code is not None and not is_code_like(county_code)):
        raise bad_parameter(param, unknown)
    queryset = queryset if queryset is not None else scoped(request, Department.objects.all())
    matches = queryset.filter(code=code).select_related("county")
    if county_code:
        matches = matches.filter(county__code=county_code)
    found = list(matches[:2])
    if not found:
        raise bad_parameter(param, unknown)
    if len(found) > 1:
        raise bad_parameter(
            param,
            gettext(
                "Department code “%(code)s” is used in several counties: name the county too."
            )
            % {"code": code},
        )
    return found[0]


class CodeLookupMixin:
    """Detail views addressed by a business code; ``county_scoped`` codes accept ``?county=``."""

    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    county_scoped = False

    def get_object(self):
        code = self.kwargs[self.lookup_field]
        if not is_code_like(code):
            raise exceptions.NotFound(gettext("Not a code."))
        matches = self.get_queryset().filter(code=code)
        county = county_param(self.request) if self.county_scoped else None
        if county:
            matches = matches.filter(county__code=county)
        found = list(matches[:2])
        if not found:
            raise exceptions.NotFound(
                gettext("No %(object)s with code “%(code)s”.")
                % {"object": self.queryset.model._meta.verbose_name, "code": code}
            )
        if len(found) > 1:
            raise bad_parameter(
                "county",
                gettext("Code “%(code)s” is used in several counties: add ?county=<county code>.")
                % {"code": code},
            )
        self.check_object_permissions(self.request, found[0])
        return found[0]
