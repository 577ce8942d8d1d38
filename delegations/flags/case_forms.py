"""The forms of a case's steps on the flag pages: they collect the input of
``delegations.flags.cases.notify`` / ``answer`` / ``close``, which decide everything. Each is
made with its step as prefix (several forms on one page) by ``form_for``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from config.limits import TEXT
from delegations.flags.models import Case
from delegations.models import Delegation


def _note(label, help_text=""):
    return forms.CharField(label=label, required=False, max_length=TEXT, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": 3}))


class NotifyForm(forms.Form):
    deadline = forms.DateField(
        label=_("Correct by"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave it empty for 10 working days from today."),
    )
    note = _note(_("Correction notice"), _("What the department must do."))


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(label=_("Answer"), choices=Case.Answer.choices,
                               widget=forms.RadioSelect)
    delegation = forms.ModelChoiceField(
        label=_("The admission request filed"), required=False, queryset=Delegation.objects.none(),
        help_text=_("For “admission requested”: the request your department filed."),
    )
    note = _note(_("Explanation"), _("Required to dispute the finding."))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegation"].queryset = Delegation.objects.filter(
            department_id=case.department_id,
            state__in=[Delegation.State.SUBMITTED, Delegation.State.APPROVED],
        ).select_related("department").order_by("-created_at")


class CloseForm(forms.Form):
    resolution = forms.ChoiceField(
        label=_("Closed as"), widget=forms.RadioSelect,
        choices=[(r.value, r.label) for r in (Case.Resolution.CORRECTED, Case.Resolution.DISMISSED,
                                              Case.Resolution.ESCALATED)],
    )
    note = _note(_("Note"), _("Required to dismiss the case: why it is a false alarm."))


FORMS = {"notify": NotifyForm, "answer": AnswerForm, "close": CloseForm}


def form_for(step, case, data=None):
    """The form of ``step`` on ``case`` (bound to ``data`` when given)."""
    extra = {"case": case} if step == "answer" else {}
    return FORMS[step](data, prefix=step, **extra)
