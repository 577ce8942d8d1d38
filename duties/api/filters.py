"""Filters of the catalog (``?county=``, ``?department=``, ``?category=``, ``?q=``)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from duties.models import Category, DutyItem
from townships.api.shared import CodeFilter, departments_of_county_param
from townships.models import County


class DutyItemFilter(filters.FilterSet):
    county = CodeFilter(model=County, help_text=_("County code (6 digits)."))
    department = CodeFilter(
        queryset=departments_of_county_param,
        help_text=_("Owning department's code (combine with county when the code is shared)."),
    )
    category = filters.ChoiceFilter(choices=Category.choices)
    q = filters.CharFilter(method="filter_q", help_text=_("Part of the name, sub-item or code."))

    class Meta:
        model = DutyItem
        fields = ["county", "department", "category", "q"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(sub_item__icontains=value) | Q(code__icontains=value)
        )
