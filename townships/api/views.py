"""REST API v1: counties, townships and departments (read-only reference data), addressed by
their codes (``departments/YJJ/?county=990101`` when a department code is used in several
counties)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from townships.api.filters import CountyFilter, DepartmentFilter, TownshipFilter
from townships.api.serializers import CountySerializer, DepartmentSerializer, TownshipSerializer
from townships.api.shared import CODE_PATH, COUNTY_PARAM, CodeLookupMixin, scoped
from townships.models import County, Department, Township


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
