"""REST API v1: counties, townships and departments (read-only reference data).

Objects are addressed by their codes: a county and a township by their division code (unique),
a department by its code, which is unique only within a county: ``departments/YJJ/`` finds it
when one county uses the code, ``departments/YJJ/?county=990101`` picks the county otherwise.
Every queryset goes through :func:`townships.access.restrict`.
"""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, viewsets

from townships import access
from townships.models import County, Department, DepartmentAlias, Township

# --- Shared pieces (used by the other apps' APIs too) ---------------------------------------


class CodeNameSerializer(serializers.Serializer):
    """A reference to another object: its business code and its name."""

    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


def scoped(request, queryset, action="view"):
    """The one door every API queryset goes through."""
    return access.restrict(request.user, queryset, action=action)


def bad_parameter(name, message):
    return exceptions.ValidationError({name: [message]})


def check_code_exists(request, model, param, value, **lookups):
    """Raise a 400 naming ``param`` unless an object of ``model`` with that code is visible."""
    if not scoped(request, model.objects.filter(code=value, **lookups)).exists():
        raise bad_parameter(
            param,
            gettext("Unknown %(object)s code “%(code)s”.")
            % {"object": model._meta.verbose_name, "code": value},
        )


def is_code_like(value) -> bool:
    """A string that can be a business code at all (no NUL byte, which PostgreSQL refuses,
    and not absurdly long); anything else cannot name an object."""
    return isinstance(value, str) and "\x00" not in value and len(value) <= 200


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
    if not is_code_like(code) or (county_code is not None and not is_code_like(county_code)):
        raise bad_parameter(
            param, gettext("Unknown department code “%(code)s”.") % {"code": code}
        )
    queryset = queryset if queryset is not None else scoped(request, Department.objects.all())
    matches = queryset.filter(code=code).select_related("county")
    if county_code:
        matches = matches.filter(county__code=county_code)
    found = list(matches[:2])
    if not found:
        raise bad_parameter(
            param, gettext("Unknown department code “%(code)s”.") % {"code": code}
        )
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


class CodeFilterSet(filters.FilterSet):
    """Filters by codes that answer 400 naming the parameter when the code is unknown."""

    def filter_county(self, queryset, name, value):
        check_code_exists(self.request, County, "county", value)
        return queryset.filter(**{name: value})


COUNTY_PARAM = OpenApiParameter(
    "county",
    OpenApiTypes.STR,
    description=_("County code, needed only when the code is used in several counties."),
)
CODE_PATH = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH)


# --- Counties --------------------------------------------------------------------------------


class CountySerializer(serializers.ModelSerializer):
    class Meta:
        model = County
        fields = ["code", "name", "prefecture", "province"]


class CountyFilter(CodeFilterSet):
    county = filters.CharFilter(
        field_name="code", method="filter_county", help_text=_("County code (6 digits).")
    )
    q = filters.CharFilter(method="filter_q", help_text=_("Part of the name or code."))

    class Meta:
        model = County
        fields = ["county", "q"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))


@extend_schema_view(
    list=extend_schema(summary=_("List counties"), tags=["reference"]),
    retrieve=extend_schema(
        summary=_("One county by its division code"), tags=["reference"], parameters=[CODE_PATH]
    ),
)
class CountyViewSet(CodeLookupMixin, viewsets.ReadOnlyModelViewSet):
    queryset = County.objects.all()
    serializer_class = CountySerializer
    filterset_class = CountyFilter

    def get_queryset(self):
        return scoped(self.request, County.objects.all()).order_by("code")


# --- Townships -------------------------------------------------------------------------------


class TownshipSerializer(serializers.ModelSerializer):
    county = CodeNameSerializer(read_only=True)

    class Meta:
        model = Township
        fields = ["code", "name", "county", "kind", "category", "population", "area_km2"]


class TownshipFilter(CodeFilterSet):
    county = filters.CharFilter(
        field_name="county__code", method="filter_county", help_text=_("County code (6 digits).")
    )
    kind = filters.ChoiceFilter(choices=Township.Kind.choices)
    category = filters.ChoiceFilter(choices=Township.Category.choices)
    q = filters.CharFilter(method="filter_q", help_text=_("Part of the name or code."))

    class Meta:
        model = Township
        fields = ["county", "kind", "category", "q"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))


@extend_schema_view(
    list=extend_schema(summary=_("List townships"), tags=["reference"]),
    retrieve=extend_schema(
        summary=_("One township by its division code"), tags=["reference"], parameters=[CODE_PATH]
    ),
)
class TownshipViewSet(CodeLookupMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Township.objects.all()
    serializer_class = TownshipSerializer
    filterset_class = TownshipFilter

    def get_queryset(self):
        return (
            scoped(self.request, Township.objects.all()).select_related("county").order_by("code")
        )


# --- Departments -----------------------------------------------------------------------------


class DepartmentSerializer(serializers.ModelSerializer):
    county = CodeNameSerializer(read_only=True)
    aliases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Department
        fields = ["code", "name", "short_name", "aliases", "county", "kind"]


class DepartmentFilter(CodeFilterSet):
    county = filters.CharFilter(
        field_name="county__code", method="filter_county", help_text=_("County code (6 digits).")
    )
    kind = filters.ChoiceFilter(choices=Department.Kind.choices)
    q = filters.CharFilter(
        method="filter_q", help_text=_("Part of the name, short name, an alias or the code.")
    )

    class Meta:
        model = Department
        fields = ["county", "kind", "q"]

    def filter_q(self, queryset, name, value):
        alias = DepartmentAlias.objects.filter(department=OuterRef("pk"), name__icontains=value)
        return queryset.filter(
            Q(name__icontains=value)
            | Q(short_name__icontains=value)
            | Q(code__icontains=value)
            | Exists(alias)
        )


@extend_schema_view(
    list=extend_schema(summary=_("List departments"), tags=["reference"]),
    retrieve=extend_schema(
        summary=_("One department by its code"),
        description=_(
            "Department codes are unique within a county: add ?county=<county code> when the "
            "code is used in several counties."
        ),
        tags=["reference"],
        parameters=[CODE_PATH, COUNTY_PARAM],
    ),
)
class DepartmentViewSet(CodeLookupMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Department.objects.all()
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter
    county_scoped = True

    def get_queryset(self):
        return (
            scoped(self.request, Department.objects.all())
            .select_related("county")
            .prefetch_related("aliases")
            .order_by("county__code", "code")
        )
