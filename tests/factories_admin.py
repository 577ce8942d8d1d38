"""Data builders and form helpers for the admin tests."""

import datetime
import itertools
from dataclasses import dataclass

from django import forms
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.auth import get_user_model
from django.db.models import Model

from delegations.models import Assignment, CalendarDay, Delegation
from duties.models import (
    AdmissionEntry,
    DutyItem,
    ListEntry,
    ListKind,
    PowerEntry,
    ReclaimedEntry,
    TerritorialEntry,
)
from tests.factories import (
    AssignmentFactory,
    CalendarDayFactory,
    CountyFactory,
    DelegationFactory,
    DepartmentAliasFactory,
    DepartmentFactory,
    DutyItemFactory,
    ListEntryFactory,
    TownshipFactory,
    make_user,
)
from townships.models import County, Department, Profile, Township

_days = itertools.count()

# The world fixture hashes a password per user; the tests need no slow hashing.


def _entry(world, kind, index):
    """An entry of ``kind`` in the world county; odd ones are scoped to township A."""
    extra = {}
    if kind == ListKind.ADMISSION:
        extra = {
            "requesting_department": world.dept_a,
            "admission_mode": "assign",
            "approved_on": datetime.date(2024, 1, 1),
            "staff_posts": 1,
            "funding_wan_yuan": 5,
        }
    if index % 2:
        extra["townships"] = [world.township_a]
    return ListEntryFactory(
        kind=kind, item__county=world.county, item__department=world.dept_a, **extra
    )


def build(model, world, index=0):
    """One object of ``model`` (with the related rows its admin shows) in the world county."""
    if model is County:
        return CountyFactory(code=f"{980000 + index:06d}")
    if model is Township:
        return TownshipFactory(county=world.county)
    if model is Department:
        department = DepartmentFactory(county=world.county)
        DepartmentAliasFactory(department=department)
        return department
    if model is get_user_model():
        return make_user(Profile.Role.DEPARTMENT, department=world.dept_a)
    if model is DutyItem:
        return DutyItemFactory(county=world.county, department=world.dept_b)
    if model in (PowerEntry, TerritorialEntry, AdmissionEntry, ReclaimedEntry):
        return model.objects.get(pk=_entry(world, model.KIND, index).pk)
    if model is ListEntry:
        return _entry(world, list(ListKind)[index % 4], index)
    if model is Delegation:
        return DelegationFactory(
            department=world.dept_a,
            townships=[world.township_a, world.township_b],
            state=Delegation.State.APPROVED,
            opinions=[(world.township_a, "agree")],
        )
    if model is Assignment:
        return AssignmentFactory(
            department=world.dept_a,
            townships=[world.township_a, world.township_b],
            duty_item=DutyItemFactory(county=world.county, department=world.dept_a),
        )
    if model is CalendarDay:
        return CalendarDayFactory(date=datetime.date(2025, 1, 1) + datetime.timedelta(next(_days)))
    raise LookupError(f"no builder for {model}")


def _plain_widget(widget):
    while isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    return widget


def _as_text(value):
    if value is None:
        return ""
    if isinstance(value, Model):
        return str(value.pk)
    return str(value)


def form_data(form, data):
    """Put what the browser would post for ``form`` as rendered (its initial values) into data."""
    for name, field in form.fields.items():
        if field.disabled or isinstance(field, forms.FileField):
            continue
        bound = form[name]
        value = bound.value()
        widget = _plain_widget(field.widget)
        if isinstance(widget, forms.MultiWidget):
            parts = value if isinstance(value, (list, tuple)) else widget.decompress(value)
            for index, part in enumerate(parts):
                data[f"{bound.html_name}_{index}"] = _as_text(part)
        elif isinstance(widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, (list, tuple)) or isinstance(field, forms.ModelMultipleChoiceField):
            data[bound.html_name] = [_as_text(v) for v in (value or [])]
        else:
            data[bound.html_name] = _as_text(value)
    return data


def changeform_payload(response):
    """The POST data of an admin add/change page as it was rendered (main form and inlines)."""
    data = {}
    form_data(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = _as_text(management[name].value())
        for form in formset.forms:
            form_data(form, data)
    return data


def form_errors(response):
    """Every error message of the admin form and its inlines in a response (flat list)."""
    if response.context is None or "adminform" not in response.context:
        return []
    form = response.context["adminform"].form
    messages = [message for errors in form.errors.values() for message in errors]
    for inline in response.context["inline_admin_formsets"]:
        for errors in inline.formset.errors:
            messages += [message for field_errors in errors.values() for message in field_errors]
        messages += list(inline.formset.non_form_errors())
    return messages


def constraint_message(model, name):
    """The (translated) violation message of the named constraint of ``model``."""
    for constraint in model._meta.constraints:
        if constraint.name == name:
            return str(constraint.violation_error_message)
    raise LookupError(name)


# --------------------------------------------------------------------------- two counties


@dataclass
class Side:
    """One county's rows for the scoping tests: its county, a department, a township, an
    item, an approved delegation (whose admission entry is on the list) and a user."""

    tag: str
    county: object
    department: object
    township: object
    item: object
    delegation: object
    user: object

    def related(self):
        """Model -> this county's row of it, for the choices and autocomplete checks."""
        return {
            County: self.county,
            Department: self.department,
            Township: self.township,
            DutyItem: self.item,
            Delegation: self.delegation,
            get_user_model(): self.user,
        }


def make_side(tag, county, department, township, user) -> Side:
    item = DutyItemFactory(
        county=county, department=department, code=f"{tag}-ITEM", name=f"{county.name}燃气检查"
    )
    delegation = DelegationFactory(
        department=department, townships=[township], duty_items=[item],
        state=Delegation.State.APPROVED,
    )
    return Side(tag, county, department, township, item, delegation, user)


def county_b_side() -> Side:
    """County B (邻县): every text shown for its rows contains “邻县”."""
    county = CountyFactory(code="990299", name="邻县")
    department = DepartmentFactory(county=county, code="YJJ", name="邻县应急管理局",
                                   short_name="邻县应急局")
    township = TownshipFactory(county=county, code="990299101", name="邻县北岭镇")
    user = make_user(Profile.Role.DEPARTMENT, username="linxian-yjj", department=department,
                     first_name="邻县用户")
    return make_side("B", county, department, township, user)


def county_a_side(world) -> Side:
    return make_side("A", world.county, world.dept_a, world.township_a, world.dept_a_user)


def scoped_row(model, side: Side, index=0):
    """A row of ``model`` (a model whose admin is scoped) in ``side``'s county; County and
    the user model give the side's own rows."""
    if model is County:
        return side.county
    if model is get_user_model():
        return side.user
    if model is Township:
        return TownshipFactory(county=side.county, name=f"{side.county.name}新镇{index}")
    if model is Department:
        department = DepartmentFactory(county=side.county, name=f"{side.county.name}新局{index}")
        DepartmentAliasFactory(department=department, name=f"{side.county.name}别名{index}")
        return department
    if model is DutyItem:
        return DutyItemFactory(county=side.county, department=side.department,
                               code=f"{side.tag}-{index}", name=f"{side.county.name}事项{index}")
    if model in (PowerEntry, TerritorialEntry, AdmissionEntry, ReclaimedEntry, ListEntry):
        kind = model.KIND if model is not ListEntry else ListKind.POWER
        extra = {}
        if kind == ListKind.ADMISSION:
            extra = {"requesting_department": side.department, "admission_mode": "assign",
                     "approved_on": datetime.date(2024, 1, 1)}
        item = scoped_row(DutyItem, side, f"{kind}{index}")
        entry = ListEntryFactory(kind=kind, item=item, **extra)
        return model.objects.get(pk=entry.pk)
    if model is Delegation:
        return side.delegation
    if model is Assignment:
        return AssignmentFactory(department=side.department, townships=[side.township],
                                 duty_item=side.item, title=f"{side.county.name}交办任务{index}")
    raise LookupError(f"no scoped builder for {model}")
