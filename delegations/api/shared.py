"""Pieces the delegation, assignment and flag endpoints share: strict input serializers,
codes in request bodies and references in responses. (The error responses every operation
can give are documented once, by config.schema.)"""

import re

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers
from rest_framework.utils import html

from duties.models import DutyItem
from townships import access
from townships.api import find_department, is_code_like, scoped
from townships.models import Township

ID_PATH = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)

COUNTY_FILTER_HELP = _("County code (6 digits).")
DEPARTMENT_FILTER_HELP = _("Department code (combine with county when the code is shared).")
TOWNSHIP_FILTER_HELP = _("Township code (9 digits).")


class StrictInputMixin:
    """An input serializer that refuses fields it does not know (a typo is a 400, not ignored),
    a number or a boolean sent for a text field (DRF would turn ``0`` into ``"0"``) and, in a
    form body, an empty value for a field that may not be blank — a date, a number, a choice,
    a code (DRF would read it as null or as left out): the body must say what the schema
    says."""

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        errors = {name: [gettext("Unknown field.")] for name in unknown}
        form = html.is_html_input(data)
        if isinstance(data, dict) or form:
            for name, field in self.fields.items():
                if field.read_only:
                    continue
                value = data.get(name)
                if (isinstance(field, serializers.CharField)
                        and value is not None and not isinstance(value, str)):
                    errors[name] = [field.error_messages["invalid"]]
                elif (form and value == "" and not getattr(field, "allow_blank", False)
                        and not isinstance(field, serializers.ListField)):
                    errors[name] = [gettext(
                        "An empty value is not valid here: leave the field out instead."
                    )]
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if isinstance(error.detail, dict):
                error.detail.update(errors)
            raise
        if errors:
            raise serializers.ValidationError(errors)
        return value


class StrictSerializer(StrictInputMixin, serializers.Serializer):
    pass


class EmptySerializer(StrictSerializer):
    pass


def user_county_code(user):
    """The code of the county the user works in (``townships.access.user_county``), if any."""
    county = access.user_county(user)
    return county.code if county is not None else None


class CodeListField(serializers.ListField):
    child = serializers.CharField(max_length=64)


def resolve_townships(request, codes):
    """Townships by code (visible to the user), in the given order; unknown codes raise a
    field error listing them."""
    found = {
        t.code: t
        for t in scoped(request, Township.objects.filter(code__in=codes)).select_related("county")
    }
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise serializers.ValidationError(
            gettext("Unknown township code(s): %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    return [found[code] for code in dict.fromkeys(codes)]


def resolve_items(request, codes, department):
    """Catalog items by code in the department's county; unknown codes raise a field error."""
    found = {
        i.code: i
        for i in scoped(
            request, DutyItem.objects.filter(county_id=department.county_id, code__in=codes)
        )
    }
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise serializers.ValidationError(
            gettext("Unknown item code(s) in %(county)s: %(codes)s.")
            % {"county": department.county.name, "codes": ", ".join(unknown)}
        )
    return [found[code] for code in dict.fromkeys(codes)]


class CodeBodyMixin:
    """An input serializer whose body names a department, townships and items by code.

    Department and item codes are unique within a county only; the county is taken from the
    body's ``county``, else the user's own county, else the county of the townships named
    in the body (when they all lie in one). Each field is resolved by its own validator, so
    a body with several bad fields gets an error for each.
    """

    def _body(self):
        return self.initial_data if isinstance(self.initial_data, dict) else {}

    def _county_hint(self):
        if not hasattr(self, "_county_hint_value"):
            body = self._body()
            county = body.get("county")
            if not (isinstance(county, str) and re.fullmatch(r"[0-9]{6}", county)):
                county = None  # a malformed county is the county field's own error
            county = county or user_county_code(self.context["request"].user)
            if not county:
                codes = body.get("townships")
                codes = [c for c in codes if is_code_like(c)] if isinstance(codes, list) else []
                townships = scoped(self.context["request"], Township.objects.filter(code__in=codes))
                counties = set(townships.values_list("county__code", flat=True))
                county = counties.pop() if len(counties) == 1 else None
            self._county_hint_value = county
        return self._county_hint_value

    def _find_department(self, code):
        try:
            return find_department(self.context["request"], code, self._county_hint())
        except exceptions.ValidationError as error:
            raise serializers.ValidationError(error.detail["department"])

    def _department_or_none(self):
        code = self._body().get("department")
        if not is_code_like(code) or not code:
            return None
        try:
            return self._find_department(code)
        except serializers.ValidationError:
            return None

    def validate_department(self, code):
        return self._find_department(code)

    def validate_townships(self, codes):
        return resolve_townships(self.context["request"], codes)


def as_ref(value):
    """{code, name} of a model instance (or a dict already shaped so), None for None."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {"code": value.get("code"), "name": value.get("name")}
    return {"code": value.code, "name": value.name}


def as_id(value):
    if value is None or isinstance(value, int):
        return value
    return getattr(value, "pk", value)
