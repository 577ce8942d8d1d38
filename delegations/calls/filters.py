"""The filters of a call list, shared by the API (``GET calls/``) and the pages: status (one
or several), overdue, the township and the (lead) department by code, the county. Codes are the
API's ``CodeFilter``s: an unknown code is refused naming the parameter."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from delegations.api.filters import CodeFilter
from delegations.api.shared import COUNTY_FILTER_HELP, DEPARTMENT_FILTER_HELP, TOWNSHIP_FILTER_HELP
from delegations.calls import services
from delegations.calls.models import Call
from townships.api import departments_of_county_param
from townships.models import County, Township


class StatusFilter(filters.BaseInFilter, filters.ChoiceFilter):
    """``?status=routed`` or several: ``?status=routed,accepted,reopened``."""


class CallFilter(filters.FilterSet):
    county = CodeFilter(field_name="county", model=County, help_text=COUNTY_FILTER_HELP)
    township = CodeFilter(field_name="township", model=Township, help_text=TOWNSHIP_FILTER_HELP)
    department = CodeFilter(field_name="lead_department", queryset=departments_of_county_param,
                            help_text=DEPARTMENT_FILTER_HELP)
    status = StatusFilter(field_name="status", choices=Call.Status.choices,
                          help_text=_("Status, or several separated by commas."))
    overdue = filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")], method="filter_overdue",
        help_text=_("Past the deadline and not yet reported (true), or not."),
    )
    urgency = filters.ChoiceFilter(field_name="urgency", choices=Call.Urgency.choices)

    class Meta:
        model = Call
        fields = ["county", "township", "department", "status", "overdue", "urgency"]

    def filter_overdue(self, qs, name, value):
        if not value:
            return qs
        late = services.overdue_q()
        return qs.filter(late) if value == "true" else qs.exclude(late)
