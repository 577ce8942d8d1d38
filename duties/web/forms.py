"""Forms of the public and township pages: list filters, dates, the checker and reports."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.limits import SHORT_TEXT
from delegations.models import Assignment
from duties import checker
from duties.models import Category, DutyItem, ListKind
from duties.web.listing import SOURCE_CHOICES
from townships.models import Department

DATE_FORMAT = "%Y-%m-%d"


def max_length(model, field: str) -> int:
    """The length limit of a model field, so that forms refuse what the model would."""
    return model._meta.get_field(field).max_length


EARLIEST_DAY = datetime.date(2000, 1, 1)


class IsoDateField(forms.DateField):
    """A YYYY-MM-DD date with a message that says so."""

    default_error_messages = {
        "invalid": _("Enter a date as YYYY-MM-DD, e.g. 2025-01-31."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", [DATE_FORMAT])
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format=DATE_FORMAT))
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value and value < EARLIEST_DAY:
            raise forms.ValidationError(
                _("Dates before %(day)s are not kept."), params={"day": EARLIEST_DAY.isoformat()}
            )
        if value and value > timezone.localdate() + datetime.timedelta(days=366 * 5):
            raise forms.ValidationError(_("This date is too far in the future."))


class ListFilterForm(forms.Form):
    """The query string of a township page: tab, search, filters and an optional past day."""

    list = forms.ChoiceField(
        label=_("List"), choices=ListKind.choices, required=False
    )
    q = forms.CharField(
        label=_("Search"),
        max_length=SHORT_TEXT,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("name, code, basis or duty")}
        ),
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All categories"))] + Category.choices, required=False
    )
    department = forms.CharField(
        label=_("Department"), max_length=max_length(Department, "code"), required=False
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", _("All sources"))] + SOURCE_CHOICES, required=False
    )
    as_of = IsoDateField(label=_("As of"), required=False)

    def clean_list(self):
        return self.cleaned_data.get("list") or ListKind.POWER.value


class ChangesForm(forms.Form):
    """Two days to compare ("what changed between")."""

    start = IsoDateField(label=_("From"), required=True)
    end = IsoDateField(label=_("To"), required=True)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            data["start"], data["end"] = end, start
        return data


class CheckForm(forms.Form):
    """The "is this task on my list?" box."""

    text = forms.CharField(
        label=_("Task title or notice text"),
        widget=forms.Textarea(
            attrs={
                "rows": 2,
                "placeholder": _("e.g. 开展辖区燃气安全隐患排查整治, or paste a whole notice"),
            }
        ),
        strip=True,
    )

    def clean_text(self):
        text = self.cleaned_data["text"]
        size = checker.text_bytes(text)
        if size > checker.MAX_TEXT_BYTES:
            raise forms.ValidationError(
                _(
                    "The text is too long (%(size)d KB). Paste at most %(limit)d KB: the part "
                    "of the notice that describes the task is enough."
                ),
                params={"size": (size + 1023) // 1024, "limit": checker.MAX_TEXT_BYTES // 1024},
                code="too_long",
            )
        return text


class ReportForm(forms.Form):
    """A township's report of work pushed onto it (becomes an Assignment)."""

    department = forms.ChoiceField(label=_("Department that handed down the work"))
    title = forms.CharField(label=_("Task"), max_length=max_length(Assignment, "title"))
    channel = forms.ChoiceField(label=_("How it was handed down"), choices=Assignment.Channel.choices)
    # No default: whether the township was asked to take the main responsibility decides
    # whether a flag fires, so the reporter says which (a blank choice first).
    responsibility = forms.ChoiceField(
        label=_("Responsibility asked of the township"),
        choices=[("", "—")] + Assignment.Responsibility.choices,
        error_messages={
            "required": _(
                "Say which responsibility the department asked of the township: the main "
                "responsibility (主体责任) or cooperation (配合责任)."
            )
        },
    )
    document_no = forms.CharField(
        label=_("Document no."), max_length=max_length(Assignment, "document_no"), required=False
    )
    assigned_on = IsoDateField(label=_("Date handed down"))
    duty_item = forms.CharField(
        label=_("Matching list item code"), max_length=max_length(DutyItem, "code"), required=False,
        help_text=_("Filled in from the best match; clear it if the match is wrong."),
    )
    description = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        max_length=max_length(Assignment, "description"),
    )

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "—")] + [
            (d.code, d.name) for d in departments
        ]
