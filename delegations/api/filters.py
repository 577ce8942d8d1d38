"""Query parameters of the delegation and assignment lists. Codes are django-filter
``ModelChoiceFilter``s on ``code`` (``townships.api.CodeFilter``): an unknown code is a 400
naming the parameter."""

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from delegations.api.shared import (
    COUNTY_FILTER_HELP,
    DEPARTMENT_FILTER_HELP,
    TOWNSHIP_FILTER_HELP,
)
from delegations.models import Assignment, Delegation
from townships.api import CodeChoiceField, departments_of_county_param
from townships.api import CodeFilter as SharedCodeFilter
from townships.models import County, Township


class CodeField(CodeChoiceField):
    """The shared code field, its message passed as a parameter: django-filter formats the
    message with ``%``, so a code holding "%" must not be part of the message itself."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as error:
            raise ValidationError(
                "%(message)s", code=error.code, params={"message": " ".join(error.messages)}
            ) from error


class CodeFilter(SharedCodeFilter):
    field_class = CodeField


class TownshipCodeFilter(CodeFilter):
    """``?township=``: rows naming that township, through an EXISTS on the M2M table (no join,
    so no duplicate rows and counts stay right)."""

    def filter(self, qs, value):
        if value is None:
            return qs
        model = qs.model
        through = model.townships.through
        return qs.filter(
            Exists(through.objects.filter(**{
                f"{model._meta.model_name}_id": OuterRef("pk"), "township__in": value,
            }))
        )


class DepartmentRowsFilterSet(filters.FilterSet):
    """The code filters of rows that belong to a department: county, department, township."""

    county = CodeFilter(field_name="department__county", model=County, help_text=COUNTY_FILTER_HELP)
    department = CodeFilter(
        field_name="department", queryset=departments_of_county_param, help_text=DEPARTMENT_FILTER_HELP
    )
    township = TownshipCodeFilter(
        field_name="townships", model=Township, help_text=TOWNSHIP_FILTER_HELP
    )


class DelegationFilter(DepartmentRowsFilterSet):
    state = filters.ChoiceFilter(choices=Delegation.State.choices)
    mode = filters.ChoiceFilter(choices=Delegation.Mode.choices)

    class Meta:
        model = Delegation
        fields = ["county", "department", "township", "state", "mode"]


class AssignmentFilter(DepartmentRowsFilterSet):
    channel = filters.ChoiceFilter(choices=Assignment.Channel.choices)
    responsibility = filters.ChoiceFilter(choices=Assignment.Responsibility.choices)
    recorded_by = filters.ChoiceFilter(choices=Assignment.RecordedBy.choices)
    assigned_from = filters.DateFilter(
        field_name="assigned_on", lookup_expr="gte", help_text=_("Assigned on or after (YYYY-MM-DD).")
    )
    assigned_to = filters.DateFilter(
        field_name="assigned_on", lookup_expr="lte", help_text=_("Assigned on or before (YYYY-MM-DD).")
    )

    class Meta:
        model = Assignment
        fields = [
            "county",
            "department",
            "township",
            "channel",
            "responsibility",
            "recorded_by",
            "assigned_from",
            "assigned_to",
        ]
