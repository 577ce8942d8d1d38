"""Filters of the reference lists (``?county=``, ``?kind=``, ``?q=`` …)."""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from townships.api.shared import CodeFilter
from townships.models import County, Department, DepartmentAlias, Township

COUNTY_HELP = _("County code (6 digits).")


def name_or_code(queryset, name, value):
    return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))


class CountyFilter(filters.FilterSet):
    county = CodeFilter(field_name="pk", model=County, help_text=COUNTY_HELP)
    q = filters.CharFilter(method=name_or_code, help_text=_("Part of the name or code."))

    class Meta:
        model = County
        fields = ["county", "q"]


class TownshipFilter(filters.FilterSet):
    county = CodeFilter(model=County, help_text=COUNTY_HELP)
    kind = filters.ChoiceFilter(choices=Township.Kind.choices)
    category = filters.ChoiceFilter(choices=Township.Category.choices)
    q = filters.CharFilter(method=name_or_code, help_text=_("Part of the name or code."))

    class Meta:
        model = Township
        fields = ["county", "kind", "category", "q"]


class DepartmentFilter(filters.FilterSet):
    county = CodeFilter(model=County, help_text=COUNTY_HELP)
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
