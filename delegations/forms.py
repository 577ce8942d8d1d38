"""Forms of delegations and assignments used by the admin."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from config.limits import TEXT
from delegations import workflow
from delegations.models import Assignment, Delegation
from delegations.validation import validate_assignment_townships
from duties.forms import ChangeReasonForm


def add_errors(form, error):
    """Attach a ValidationError to the form: to its fields where the form has them."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class PaperDecisionForm(forms.ModelForm):
    """A delegation decided on paper, as the admin records it: the request's fields
    (``workflow.REQUEST_FIELDS``), the decision's number, its own date and note.

    Its last validation step records it through ``workflow.record_paper_decision`` (the admin
    sets ``user`` on the form class), so the workflow's refusals are form errors and nothing
    is written when it refuses. ``save()`` returns the recorded delegation.
    """

    decided_on = forms.DateField(
        label=_("decided on"), help_text=_("The day the decision was taken (YYYY-MM-DD).")
    )
    end_reclaimed_reason = forms.CharField(
        label=_("Why the reclaimed entries end"),
        required=False,
        max_length=TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when an item is on a township's reclaimed list (收回清单)."),
    )

    user = None

    class Meta:
        model = Delegation
        fields = ["department", *workflow.REQUEST_FIELDS, "decision_no", "decision_note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.recorded = None
        for name in ("duty_items", "townships"):
            if name in self.fields:
                self.fields[name].required = False  # the workflow says what is missing

    def _post_clean(self):
        super()._post_clean()
        if self.errors or self.instance.pk is not None:
            return
        data = {name: self.cleaned_data.get(name) for name in self._meta.fields}
        data["note"] = data.pop("decision_note") or ""
        data["decided_on"] = self.cleaned_data.get("decided_on")
        data["end_reclaimed_reason"] = self.cleaned_data.get("end_reclaimed_reason") or ""
        try:
            self.recorded = workflow.record_paper_decision(self.user, **data)
        except ValidationError as error:
            add_errors(self, error)
        except workflow.NotAllowed as error:
            self.add_error(None, str(error))

    def save(self, commit=True):
        if self.recorded is None:
            raise ValueError("Only a decision the workflow recorded can be saved.")
        self.instance = self.recorded
        return self.recorded

    def save_m2m(self):
        """The workflow set the items and townships."""


class AssignmentForm(ChangeReasonForm):
    class Meta:
        model = Assignment
        fields = "__all__"

    def clean(self):
        cleaned_data = super().clean()
        if "townships" in self.fields and "townships" not in self.errors:
            try:
                validate_assignment_townships(
                    department=cleaned_data.get("department"),
                    townships=cleaned_data.get("townships"),
                )
            except ValidationError as error:
                add_errors(self, error)
        return cleaned_data
