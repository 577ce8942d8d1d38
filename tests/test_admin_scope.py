"""The admin is scoped like the API and the pages: an office user of county A sees, edits,
chooses, autocompletes and exports only county A's rows in every admin page; the admins of
other apps are for superusers only; a superuser keeps full control."""

import datetime
import io

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from delegations.models import CalendarDay
from duties.excel.admin import ExcelImportExportMixin
from tests.factories import CalendarDayFactory, CountyFactory, make_user
from tests.factories_admin import county_a_side, county_b_side, scoped_row
from townships.admin_scope import ScopedAdminMixin, ScopedChoicesMixin, SuperuserOnlyAdminMixin
from townships.models import County, Profile

pytestmark = pytest.mark.django_db

User = get_user_model()

PROJECT_APPS = {"townships", "duties", "delegations"}
# Models with no county: every office sees the same rows.
SHARED = {CalendarDay}
# Scoped by province, not county (a county office writes its own province's sources only):
# tests/test_legal_sources.py covers its admin.
BY_PROVINCE = {apps.get_model("delegations.ProvinceSource")}
SUPERUSER_ONLY = {
    apps.get_model(label)
    for label in ("auth.Group", "axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog",
                  "knox.AuthToken")
}
SCOPED = sorted(
    (m for m in admin.site._registry if m not in SHARED | SUPERUSER_ONLY | BY_PROVINCE),
    key=lambda m: m._meta.label,
)
B_MARK = "邻县"  # in every text shown for county B's rows


def label(model):
    return model._meta.label


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def office_a(world):
    return make_user(Profile.Role.OFFICE, username="office_a", county=world.county)


@pytest.fixture
def client_a(client, office_a):
    client.force_login(office_a)
    return client


@pytest.fixture
def sides(world):
    return county_a_side(world), county_b_side()


# --- every admin has a rule --------------------------------------------------------------


def test_every_registered_admin_is_scoped_or_for_superusers_only():
    for model, model_admin in admin.site._registry.items():
        if model in SUPERUSER_ONLY:
            assert isinstance(model_admin, SuperuserOnlyAdminMixin), label(model)
            continue
        assert isinstance(model_admin, ScopedAdminMixin), f"{label(model)} has no scope rule"
        for inline in model_admin.inlines:
            assert issubclass(inline, ScopedChoicesMixin), f"{inline.__name__} of {label(model)}"
    project = {m for m in admin.site._registry if m._meta.app_label in PROJECT_APPS}
    assert project <= set(SCOPED) | SHARED | BY_PROVINCE


@pytest.mark.parametrize("model", SCOPED, ids=label)
def test_every_scoped_admin_model_has_rows_of_both_counties_for_these_tests(sides, model):
    a, b = sides
    row_a, row_b = scoped_row(model, a), scoped_row(model, b)
    assert (row_a.pk, row_b.pk) != (None, None) and row_a.pk != row_b.pk


# --- lists, object pages, choices, autocomplete, export -----------------------------------


@pytest.mark.parametrize("model", SCOPED, ids=label)
def test_the_changelist_shows_only_county_a(client_a, sides, model):
    a, b = sides
    row_a, row_b = scoped_row(model, a, 1), scoped_row(model, b, 1)
    response = client_a.get(url(model, "changelist"))
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert row_a.pk in shown and row_b.pk not in shown
    assert B_MARK not in response.content.decode()  # nor in the filters
    searched = client_a.get(url(model, "changelist"), {"q": B_MARK})
    assert row_b.pk not in {obj.pk for obj in searched.context["cl"].result_list}


@pytest.mark.parametrize("model", SCOPED, ids=label)
def test_county_b_rows_have_no_page_for_county_a(client_a, sides, model):
    a, b = sides
    row_a, row_b = scoped_row(model, a, 2), scoped_row(model, b, 2)
    assert client_a.get(url(model, "change", row_a.pk)).status_code == 200
    for view in ("change", "history", "delete"):
        assert client_a.get(url(model, view, row_b.pk)).status_code in (403, 404), view
    assert client_a.post(url(model, "change", row_b.pk), {}).status_code in (403, 404)
    assert model._default_manager.filter(pk=row_b.pk).exists()
    if hasattr(model, "history"):
        record = model.history.filter(id=row_b.pk).latest("history_date")
        version = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_simple_history",
            args=(row_b.pk, record.history_id),
        )
        assert client_a.get(version).status_code in (403, 404)


def _choice_fields(response):
    """(name, field) of every model choice field of the page's form and inline forms."""
    form = response.context["adminform"].form
    fields = list(form.fields.items())
    for inline in response.context["inline_admin_formsets"]:
        fields += [(f"{inline.formset.prefix}-{n}", f)
                   for n, f in inline.formset.empty_form.fields.items()]
    return [(n, f) for n, f in fields if isinstance(f, forms.ModelChoiceField)]


@pytest.mark.parametrize("model", SCOPED, ids=label)
def test_choices_offer_only_county_a(client_a, sides, model):
    a, b = sides
    row_a = scoped_row(model, a, 3)
    admin_of = admin.site.get_model_admin(model)
    page = url(model, "add") if admin_of.has_add_permission(_request(client_a)) else url(
        model, "change", row_a.pk)
    response = client_a.get(page)
    assert response.status_code == 200
    checked = 0
    for name, field in _choice_fields(response):
        related = field.queryset.model._meta.concrete_model
        if related in b.related():
            assert not field.queryset.filter(pk=b.related()[related].pk).exists(), name
            assert field.queryset.filter(pk=a.related()[related].pk).exists(), name
            checked += 1
    editable_relations = admin_of.inlines or [
        f for f in model._meta.get_fields()
        if f.is_relation and not f.auto_created and f.editable and f.related_model in b.related()
    ]
    writable = admin_of.has_add_permission(_request(client_a)) or admin_of.has_change_permission(
        _request(client_a), row_a)
    if editable_relations and writable:
        assert checked, f"no choice field checked on {page}"


def _request(client):
    """A request of the client's user (for the admin's permission methods)."""
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = User.objects.get(pk=client.session["_auth_user_id"])
    return request


AUTOCOMPLETE = sorted(
    ((model, name) for model in SCOPED
     for name in admin.site.get_model_admin(model).autocomplete_fields),
    key=lambda pair: (label(pair[0]), pair[1]),
)


@pytest.mark.parametrize("model, field_name", AUTOCOMPLETE,
                         ids=[f"{label(m)}.{f}" for m, f in AUTOCOMPLETE])
def test_autocomplete_answers_only_county_a(client_a, sides, model, field_name):
    a, b = sides
    related = model._meta.get_field(field_name).related_model._meta.concrete_model
    response = client_a.get(reverse("admin:autocomplete"), {
        "app_label": model._meta.app_label, "model_name": model._meta.model_name,
        "field_name": field_name, "term": "",
    })
    assert response.status_code == 200
    found = {int(result["id"]) for result in response.json()["results"]}
    assert a.related()[related].pk in found
    assert b.related()[related].pk not in found


EXPORTED = [m for m in SCOPED if isinstance(admin.site.get_model_admin(m), ExcelImportExportMixin)]


def _xlsx_text(content):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    return " ".join(
        str(value) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
        for value in row if value is not None
    )


@pytest.mark.parametrize("model", EXPORTED, ids=label)
def test_the_export_holds_only_county_a(client_a, sides, model):
    a, b = sides
    row_a, row_b = scoped_row(model, a, 4), scoped_row(model, b, 4)
    response = client_a.post(url(model, "export"), {"format": "0", "resource": "0"})
    assert response.status_code == 200
    text = _xlsx_text(response.content)
    assert B_MARK not in text
    marker = getattr(getattr(row_a, "item", None), "code", None) or row_a.name
    assert marker in text
    # Selected rows (the export action) of county B are not exported either.
    selected = client_a.post(url(model, "export"), {
        "format": "0", "resource": "0", "export_items": [str(row_b.pk)],
    })
    assert B_MARK not in _xlsx_text(selected.content)


@pytest.mark.parametrize("model", SCOPED, ids=label)
def test_a_superuser_and_an_office_of_every_county_see_both_counties(client, world, sides, model):
    a, b = sides
    row_a, row_b = scoped_row(model, a, 5), scoped_row(model, b, 5)
    superuser = User.objects.create_superuser("root", "root@example.com", "x")
    for user in (superuser, world.office):
        client.force_login(user)
        shown = {o.pk for o in client.get(url(model, "changelist")).context["cl"].result_list}
        if model is not User or user.is_superuser:
            assert {row_a.pk, row_b.pk} <= shown, (label(model), user)
        assert client.get(url(model, "change", row_b.pk)).status_code == 200


def test_the_calendar_is_shared_by_every_office(client_a, sides):
    day = CalendarDayFactory(date=datetime.date(2031, 1, 5), name="本地调休", kind="workday")
    response = client_a.get(url(CalendarDay, "changelist"), {"q": "本地调休"})
    assert day.pk in {d.pk for d in response.context["cl"].result_list}
    assert client_a.get(url(CalendarDay, "change", day.pk)).status_code == 200


# --- adding --------------------------------------------------------------------------------


def test_an_office_of_one_county_cannot_add_a_county_or_a_township_elsewhere(client_a, sides):
    a, b = sides
    assert client_a.get(url(County, "add")).status_code == 403
    assert client_a.post(url(County, "add"), {"code": "990777", "name": "新县"}).status_code == 403
    assert not County.objects.filter(code="990777").exists()
    from townships.models import Township

    response = client_a.post(url(Township, "add"), {
        "county": b.county.pk, "code": "990299109", "name": "邻县新镇", "kind": "town",
        "category": "general",
    })
    assert response.status_code == 200
    assert "county" in response.context["adminform"].form.errors
    assert not Township.objects.filter(code="990299109").exists()


def test_an_office_of_every_county_adds_a_county(client, world):
    client.force_login(world.office)
    response = client.post(url(County, "add"), {"code": "990777", "name": "新县"})
    assert response.status_code == 302
    assert County.objects.filter(code="990777", name="新县").exists()


def test_a_county_office_edits_its_own_county_but_cannot_delete_it(client_a, world):
    assert client_a.get(url(County, "change", world.county.pk)).status_code == 200
    assert client_a.get(url(County, "delete", world.county.pk)).status_code == 403


def test_the_filters_of_the_lists_name_only_county_a(client_a, sides):
    from duties.models import PowerEntry

    a, b = sides
    scoped_row(PowerEntry, a), scoped_row(PowerEntry, b)
    response = client_a.get(url(PowerEntry, "changelist"))
    for spec in response.context["cl"].filter_specs:
        for choice in spec.choices(response.context["cl"]):
            assert B_MARK not in str(choice["display"]), spec.title


# --- other apps: superusers only ---------------------------------------------------------


@pytest.mark.parametrize("model", sorted(SUPERUSER_ONLY, key=label), ids=label)
def test_other_apps_admins_are_for_superusers_only(client, world, office_a, model):
    for office in (office_a, world.office):
        client.force_login(office)
        assert client.get(url(model, "changelist")).status_code == 403
    client.force_login(User.objects.create_superuser("root", "root@example.com", "x"))
    assert client.get(url(model, "changelist")).status_code == 200


def test_the_admin_index_of_a_county_office_lists_no_other_apps(client_a):
    response = client_a.get(reverse("admin:index"))
    models = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
    assert "User" in models and "County" in models
    assert not {"Group", "AccessAttempt", "AuthToken"} & models


def test_a_county_b_office_sees_county_b_only(client, world, sides):
    a, b = sides
    office_b = make_user(Profile.Role.OFFICE, username="office_b", county=b.county)
    client.force_login(office_b)
    response = client.get(url(County, "changelist"))
    assert [c.pk for c in response.context["cl"].result_list] == [b.county.pk]
    assert client.get(url(County, "change", a.county.pk)).status_code == 404
    assert CountyFactory(code="990300").pk not in {
        c.pk for c in client.get(url(County, "changelist")).context["cl"].result_list
    }


# --- import: only into county A -----------------------------------------------------------


def _upload(rows, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories_excel import xlsx_bytes

    return SimpleUploadedFile(name, xlsx_bytes(rows))


def test_an_office_of_county_a_cannot_import_townships_of_county_b(client_a, sides):
    from townships.models import Township

    a, b = sides
    response = client_a.post(url(Township, "import"), {
        "resource": "0", "format": "0", "county": "",
        "import_file": _upload([["区县代码", "乡镇代码", "乡镇名称"],
                                [b.county.code, "990299108", "邻县新乡"]], "乡镇.xlsx"),
    })
    assert response.status_code == 200
    assert not Township.objects.filter(code="990299108").exists()
    [message] = response.context["result"].report.messages
    assert "990299" in message and a.county.name in message
    # Nor may it choose county B for a list.
    from duties.models import PowerEntry

    response = client_a.post(url(PowerEntry, "import"), {
        "resource": "0", "format": "0", "county": b.county.pk,
        "import_file": _upload([["事项编码", "职权类别", "职权名称"], ["B-9", "行政检查", "邻县新事项"]],
                               "权责清单.xlsx"),
    })
    assert response.status_code == 200
    assert "county" in response.context["form"].errors
    assert not PowerEntry.objects.filter(item__code="B-9").exists()



def test_the_user_changelist_of_a_county_office_runs_a_constant_number_of_queries(client_a, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import TownshipFactory

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client_a.get(url(User, "changelist")).status_code == 200
        return len(queries)

    count()  # warm the caches (content types, …)
    small = count()
    for index in range(4):
        make_user(Profile.Role.TOWNSHIP, username=f"extra{index}",
                  township=TownshipFactory(county=world.county))
    assert count() == small
