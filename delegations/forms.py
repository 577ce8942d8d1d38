"""Forms of delegations and assignments (used by the admin)."""

from django.core.exceptions import ValidationError

from delegations.models import Assignment, Delegation
from delegations.validation import validate_assignment_townships, validate_delegation
from duties.forms import ChangeReasonForm


def add_errors(form, error):
    """Attach a ValidationError to the form: to its fields where the form has them."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class DelegationForm(ChangeReasonForm):
    """A draft may be saved without items or townships; any other state needs both."""

    class Meta:
        model = Delegation
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("duty_items", "townships"):
            if name in self.fields:
                self.fields[name].required = False

    def clean(self):
        cleaned_data = super().clean()
        if "duty_items" in self.errors or "townships" in self.errors:
            return cleaned_data
        state = cleaned_data.get("state", self.instance.state)
        department = cleaned_data.get("department")
        if department is None and "department" not in self.fields and self.instance.department_id:
            department = self.instance.department
        try:
            validate_delegation(
                state=state,
                department=department,
                duty_items=self._value("duty_items"),
                townships=self._value("townships"),
            )
        except ValidationError as error:
            add_errors(self, error)
        return cleaned_data

    def _value(self, name):
        """The form's value of an m2m field, or the stored one when the form does not edit it."""
        if name in self.fields:
            return self.cleaned_data.get(name) or []
        if self.instance.pk:
            return list(getattr(self.instance, name).all())
        return []


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
