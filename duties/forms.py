"""Forms of the duty catalog and lists (used by the admin)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from duties.models import DutyItem, ListEntry
from duties.services import validate_scope

# django-simple-history keeps the change reason in a CharField(max_length=100).
CHANGE_REASON_MAX_LENGTH = 100


class ChangeReasonForm(forms.ModelForm):
    """A model form with the "change reason" (修改原因) kept in the history row; optional
    unless ``change_reason_required``.

    The admin (ChangeReasonAdminMixin) copies it to ``instance._change_reason`` before saving.
    """

    change_reason_required = False

    change_reason = forms.CharField(
        label=_("change reason"),
        max_length=CHANGE_REASON_MAX_LENGTH,
        required=False,
        help_text=_("Optional: why this change is made (e.g. the document that ordered it). "
                    "Kept in the history."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.change_reason_required:
            field = self.fields["change_reason"]
            field.required = True
            field.help_text = _(
                "Why this change is made (e.g. the document that ordered it). Kept in the history."
            )
            field.error_messages["required"] = _(
                "Say why the list changes (e.g. the document that ordered it): the reason is "
                "kept in the history."
            )


class DutyItemForm(ChangeReasonForm):
    class Meta:
        model = DutyItem
        fields = "__all__"


class ListEntryForm(ChangeReasonForm):
    """Form of one list's entries; used with the per-list proxies (PowerEntry, …). Every
    change of a list says why (the reason is required).

    The list (``kind``) is not a form field: it comes from the proxy. It is set on the instance
    here so that the model's constraints that involve it (a territorial entry names its lead
    department, an item once per list, …) are validated by the form, not only by the database.
    """

    change_reason_required = True

    class Meta:
        model = ListEntry
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind = getattr(self._meta.model, "KIND", "")
        if kind:
            self.instance.kind = kind

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        if self.instance.kind:
            exclude.discard("kind")
        return exclude

    def clean(self):
        cleaned_data = super().clean()
        if (
            "all_townships" in self.fields
            and "townships" in self.fields
            and "townships" not in self.errors
        ):
            try:
                validate_scope(
                    cleaned_data.get("item"),
                    cleaned_data.get("all_townships", False),
                    cleaned_data.get("townships") or [],
                )
            except ValidationError as error:
                self.add_error("townships", error)
        return cleaned_data
