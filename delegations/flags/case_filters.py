"""The filters of a case list, shared by the API (``GET cases/``) and the flag pages: county,
department and township codes, status (one or several), overdue, the month a case was opened,
and the rules or severity of its findings. Codes are the API's ``CodeFilter``s: an unknown code
is refused naming the parameter."""

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from delegations.api.filters import CodeFilter, TownshipCodeFilter
from delegations.api.shared import COUNTY_FILTER_HELP, DEPARTMENT_FILTER_HELP, TOWNSHIP_FILTER_HELP
from delegations.flags import cases
from delegations.flags.engine import select_rules
from delegations.flags.models import Case, Finding
from delegations.flags.registry import RULES, FlagFilterError
from townships.api import departments_of_county_param
from townships.models import County, Township


class StatusFilter(filters.BaseInFilter, filters.ChoiceFilter):
    """``?status=open`` or several: ``?status=open,notified,answered``."""


class CaseFilter(filters.FilterSet):
    county = CodeFilter(field_name="county", model=County, help_text=COUNTY_FILTER_HELP)
    department = CodeFilter(field_name="department", queryset=departments_of_county_param,
                            help_text=DEPARTMENT_FILTER_HELP)
    township = TownshipCodeFilter(field_name="townships", model=Township,
                                  help_text=TOWNSHIP_FILTER_HELP)
    status = StatusFilter(field_name="status", choices=Case.Status.choices,
                          help_text=_("Status, or several separated by commas."))
    overdue = filters.ChoiceFilter(choices=[("true", "true"), ("false", "false")],
                                   method="filter_overdue",
                                   help_text=_("Notified and past the deadline (true), or not."))
    opened = filters.CharFilter(method="filter_opened",
                                help_text=_("The month the case was opened: YYYY-MM."))
    rule = filters.CharFilter(method="filter_rules",
                              help_text=_("Rule code(s), comma separated: cases with such a finding."))
    severity = filters.ChoiceFilter(choices=[("error", "error"), ("warning", "warning")],
                                    method="filter_rules")

    class Meta:
        model = Case
        fields = ["county", "department", "township", "status", "overdue", "opened", "rule",
                  "severity"]

    def filter_overdue(self, qs, name, value):
        if not value:
            return qs
        late = cases.overdue_q()
        return qs.filter(late) if value == "true" else qs.exclude(late)

    def filter_opened(self, qs, name, value):
        try:
            year, month = (int(part) for part in value.split("-"))
            if not (1 <= month <= 12 and 2000 <= year <= 2100):
                raise ValueError
        except ValueError:
            raise ValidationError({"opened": [gettext("Give the month as YYYY-MM.")]}) from None
        return qs.filter(opened_at__year=year, opened_at__month=month)

    def filter_rules(self, qs, name, value):
        """Cases with a finding of the rules asked for (``rule`` and ``severity`` together)."""
        if getattr(self, "_rules_applied", False):
            return qs
        self._rules_applied = True
        data = self.form.cleaned_data
        try:
            chosen = select_rules(data.get("rule") or None, data.get("severity") or None)
        except FlagFilterError as error:
            raise ValidationError({error.param: [error.message]}) from error
        if len(chosen) == len(RULES):
            return qs
        codes = [r.code for r in chosen]
        return qs.filter(Exists(Finding.objects.filter(case_id=OuterRef("pk"), rule__in=codes)))
