"""The forms of the call pages: they collect the input of ``delegations.calls.services``, which
decides everything (role, scope, status, required texts)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from config.limits import SHORT_TEXT, TEXT
from delegations.calls.models import Call
from townships.models import Department


def _text(label, required=False, help_text="", rows=3):
    return forms.CharField(label=label, required=required, max_length=TEXT, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": rows}))


class CallForm(forms.Form):
    found = _text(_("What was found"), required=True, rows=4,
                  help_text=_("What you saw, in a few words. No photo or proof is needed."))
    place = forms.CharField(label=_("Where"), required=False, max_length=SHORT_TEXT)
    found_at = forms.DateTimeField(
        label=_("When found"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text=_("Leave it empty for now."),
    )
    urgency = forms.ChoiceField(label=_("How urgent"), choices=Call.Urgency.choices,
                                initial=Call.Urgency.NORMAL, widget=forms.RadioSelect)


class NoteForm(forms.Form):
    note = _text(_("Note"))


class ReportForm(forms.Form):
    report = _text(_("What your department did"), required=True)


class ReopenForm(forms.Form):
    reason = _text(_("Why the call is reopened"), required=True)


class RouteForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Lead department"),
                                        queryset=Department.objects.none())
    note = _text(_("Note"), rows=2)

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(
            county_id=call.county_id).order_by("code")


STEP_FORMS = {"accept": NoteForm, "report": ReportForm, "confirm": NoteForm,
              "reopen": ReopenForm, "route": RouteForm}


def form_for(step, call, data=None):
    """The form of ``step`` on ``call`` (bound to ``data`` when given), prefixed by the call
    and the step (several calls' forms on one page)."""
    extra = {"call": call} if step == "route" else {}
    return STEP_FORMS[step](data, prefix=f"c{call.pk}-{step}", **extra)
