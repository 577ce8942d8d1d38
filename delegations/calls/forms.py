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


def county_departments(county_id) -> list:
    """The departments a call of the county may be routed to, in code order."""
    return list(Department.objects.filter(county_id=county_id).order_by("code"))


class RouteForm(forms.Form):
    department = forms.TypedChoiceField(label=_("Lead department"), coerce=int)
    note = _text(_("Note"), rows=2)

    def __init__(self, *args, call, departments=None, **kwargs):
        """``departments``: the call's county's (``county_departments``), read once for a
        page of calls; read here when not given."""
        super().__init__(*args, **kwargs)
        if departments is None:
            departments = county_departments(call.county_id)
        self.departments = {d.pk: d for d in departments}
        self.fields["department"].choices = [("", "---------")] + [
            (d.pk, str(d)) for d in departments]

    def clean_department(self):
        return self.departments[self.cleaned_data["department"]]


STEP_FORMS = {"accept": NoteForm, "report": ReportForm, "confirm": NoteForm,
              "reopen": ReopenForm, "route": RouteForm}


def form_for(step, call, data=None, departments=None):
    """The form of ``step`` on ``call`` (bound to ``data`` when given), prefixed by the call
    and the step (several calls' forms on one page); ``departments`` for a route form."""
    extra = {"call": call, "departments": departments} if step == "route" else {}
    return STEP_FORMS[step](data, prefix=f"c{call.pk}-{step}", **extra)
