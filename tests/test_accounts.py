"""The accounts of a real county: created in one step with one-time passwords, handed out as a
sheet, changed at the first login; reset, deactivated, reactivated and unlocked by the office of
the county — and by nobody else."""

import io

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from tests.factories import CountyFactory, DepartmentFactory, TownshipFactory, make_user
from townships import access, account_sheet, accounts
from townships.models import County, Profile

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "Qingdan-test-2026"  # the factories' password
NEW_PASSWORD = "Zhen-hao-ji-2027"


@pytest.fixture
def county_c(db):
    """A county moved in without accounts: two departments, two townships."""
    county = CountyFactory(code="990301", name="新迁县")
    DepartmentFactory(county=county, code="YJJ", name="新迁县应急管理局")
    DepartmentFactory(county=county, code="nyj_2", name="新迁县农业农村局")
    TownshipFactory(county=county, code="990301101", name="河口镇")
    TownshipFactory(county=county, code="990301102", name="石桥乡")
    return county


@pytest.fixture
def office_c(county_c):
    return make_user(Profile.Role.OFFICE, username="office_c", county=county_c)


def read_sheet(content):
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(content)).active
    return [[cell.value for cell in row] for row in ws.iter_rows()]


def login(client, username, password, path="login"):
    return client.post(reverse(path), {"username": username, "password": password})


# --- create_accounts ---------------------------------------------------------------------


def test_create_accounts_gives_every_unit_without_one_an_account(county_c, office_c):
    issued = accounts.create_accounts(office_c, county_c)
    assert [(a.unit, a.kind, a.username) for a in issued] == [
        ("新迁县应急管理局", "部门", "990301-yjj"),
        ("新迁县农业农村局", "部门", "990301-nyj_2"),
        ("河口镇", "乡镇", "990301101"),
        ("石桥乡", "乡镇", "990301102"),
    ]
    for account in issued:
        user = User.objects.select_related("profile").get(username=account.username)
        assert account.password not in user.password and user.check_password(account.password)
        assert len(account.password) == accounts.PASSWORD_LENGTH
        profile = user.profile
        assert profile.must_change_password and not user.is_staff and user.is_active
        unit = profile.department or profile.township
        assert unit.name == account.unit and unit.county == county_c
        assert list(user.groups.values_list("name", flat=True)) == [
            access.ROLE_GROUPS[profile.role]]
    assert len({a.password for a in issued}) == 4
    logged = LogEntry.objects.filter(user=office_c, change_message=accounts.LOG_CREATED)
    assert logged.count() == 4


def test_running_create_accounts_again_creates_none(county_c, office_c):
    accounts.create_accounts(office_c, county_c)
    before = User.objects.count()
    assert accounts.create_accounts(office_c, county_c) == []
    assert User.objects.count() == before


def test_a_unit_that_has_an_account_gets_no_second_one(county_c, office_c):
    department = county_c.departments.get(code="YJJ")
    make_user(Profile.Role.DEPARTMENT, username="yjj-own", department=department, is_active=False)
    usernames = [a.username for a in accounts.create_accounts(office_c, county_c)]
    assert "990301-yjj" not in usernames and len(usernames) == 3


def test_a_username_taken_by_another_account_refuses_the_whole_run(county_c, office_c):
    make_user(Profile.Role.OFFICE, username="990301-YJJ", county=county_c)  # letter case aside
    before = User.objects.count()
    with pytest.raises(accounts.AccountsRefused) as refused:
        accounts.create_accounts(office_c, county_c)
    assert "新迁县应急管理局" in refused.value.messages[0]
    assert "990301-yjj" in refused.value.messages[0]
    assert User.objects.count() == before


def test_a_department_code_that_cannot_make_a_username_is_refused(county_c, office_c):
    DepartmentFactory(county=county_c, code="应急 2", name="新迁县第二局")
    with pytest.raises(accounts.AccountsRefused) as refused:
        accounts.create_accounts(office_c, county_c)
    assert "新迁县第二局" in refused.value.messages[0] and "应急 2" in refused.value.messages[0]
    assert not User.objects.filter(username__startswith="990301").exists()


def test_only_the_office_covering_the_county_creates_its_accounts(county_c, world):
    office_a = make_user(Profile.Role.OFFICE, username="office_a", county=world.county)
    for actor in (office_a, world.dept_a_user, world.township_a_user):
        with pytest.raises(PermissionDenied):
            accounts.create_accounts(actor, county_c)
    assert not User.objects.filter(username__startswith="990301").exists()
    assert len(accounts.create_accounts(world.office, county_c)) == 4  # an office of every county


def test_the_sheet_has_a_title_the_four_columns_and_text_cells_only():
    from openpyxl import load_workbook

    issued = [accounts.IssuedAccount("=HYPERLINK(\"http://x\")", "部门", "990301-x", "+abc12345xyz")]
    content = account_sheet.workbook(issued, account_sheet.title_for("新迁县"))
    ws = load_workbook(io.BytesIO(content)).active
    assert ws["A1"].value.startswith("新迁县账号及一次性密码（")
    assert [c.value for c in ws[2]] == ["单位", "类型", "账号", "一次性密码"]
    unit, _kind, _username, password = ws[3]
    assert (unit.value, unit.data_type, unit.quotePrefix) == ('=HYPERLINK("http://x")', "s", True)
    assert (password.value, password.data_type, password.quotePrefix) == ("+abc12345xyz", "s", True)


# --- the first login ---------------------------------------------------------------------


def create_in_admin(client, county):
    """The office's admin action "create accounts": the downloaded sheet's rows."""
    response = client.post(reverse("admin:townships_county_changelist"), {
        "action": "create_accounts", "_selected_action": [county.pk],
    })
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == account_sheet.CONTENT_TYPE
    assert "no-store" in response["Cache-Control"]
    rows = read_sheet(response.content)
    assert rows[1] == list(account_sheet.HEADERS)
    return {row[2]: row for row in rows[2:]}


def test_a_department_logs_in_with_its_one_time_password_and_must_change_it(county_c, office_c):
    office = Client()
    office.force_login(office_c)
    rows = create_in_admin(office, county_c)
    unit, kind, username, password = rows["990301-yjj"]
    assert (unit, kind) == ("新迁县应急管理局", "部门")

    client = Client()
    assert login(client, username, password).status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"] == reverse("password_change")
    for path in ("/requests/", "/assignments/", "/dashboard/", reverse("admin:index")):
        assert client.get(path).status_code == 302, path
    api = client.get("/api/v1/delegations/")
    assert api.status_code == 403 and "一次性密码" in api.json()["detail"]
    page = client.get(reverse("password_change"))
    assert page.status_code == 200 and b'id="one-time-password"' in page.content

    changed = client.post(reverse("password_change"), {
        "old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })
    assert changed.status_code == 302 and changed["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    assert client.get("/api/v1/delegations/").status_code == 200
    assert not Profile.objects.get(user__username=username).must_change_password
    client.post(reverse("logout"))
    assert login(Client(), username, password).status_code == 200  # the old one is gone
    assert login(Client(), username, NEW_PASSWORD).status_code == 302


def test_logout_stays_open_to_a_user_with_a_one_time_password(county_c, office_c):
    account = accounts.create_accounts(office_c, county_c)[0]
    username, password = account.username, account.password
    client = Client()
    login(client, username, password)
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_password_hash_upgrade_at_login_keeps_the_one_time_flag(county_c, office_c, settings):
    account = accounts.create_accounts(office_c, county_c)[0]
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    client = Client()
    assert login(client, account.username, account.password).status_code == 302
    user = User.objects.get(username=account.username)
    assert user.password.startswith("pbkdf2_")  # upgraded at login
    assert user.profile.must_change_password
    assert client.get(reverse("home")).status_code == 302


# --- the first office account ------------------------------------------------------------


def test_create_office_account_on_an_empty_database(capsys):
    assert not User.objects.exists() and not County.objects.exists()
    call_command("create_office_account", "bianban")
    out, err = capsys.readouterr()
    password = out.strip()
    user = User.objects.get(username="bianban")
    assert user.is_staff and not user.is_superuser and user.check_password(password)
    assert (user.profile.role, user.profile.county, user.profile.must_change_password) == (
        "office", None, True)
    assert "一次性" in err and password not in err

    client = Client()
    response = client.post(reverse("admin:login"), {
        "username": "bianban", "password": password, "next": reverse("admin:index"),
    })
    assert response.status_code == 302
    assert client.get(reverse("admin:index"))["Location"] == reverse("admin:password_change")
    client.post(reverse("admin:password_change"), {
        "old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })
    assert client.get(reverse("admin:index")).status_code == 200
    response = client.post(reverse("admin:townships_county_add"), {"code": "990301", "name": "新迁县"})
    assert response.status_code == 302 and County.objects.filter(code="990301").exists()


def test_create_office_account_limited_to_a_county(county_c, capsys):
    call_command("create_office_account", "xq-bianban", "--county", "990301")
    user = User.objects.get(username="xq-bianban")
    assert user.profile.county == county_c and access.office_county_id(user) == county_c.pk


@pytest.mark.parametrize("args, message", [
    (["bad name!"], "用户名"),
    (["taken"], "已"),
    (["new-one", "--county", "990999"], "990999"),
])
def test_create_office_account_refuses_bad_input(db, args, message):
    User.objects.create_user("taken")
    before = User.objects.count()
    with pytest.raises(CommandError) as error:
        call_command("create_office_account", *args)
    assert message in str(error.value)
    assert User.objects.count() == before


# --- manage.py create_accounts ------------------------------------------------------------


def test_the_command_writes_the_sheet(county_c, office_c, tmp_path, capsys):
    path = tmp_path / "账号.xlsx"
    call_command("create_accounts", "--county", "990301", "-o", str(path), "--user", "office_c")
    rows = read_sheet(path.read_bytes())
    usernames = [row[2] for row in rows[2:]]
    assert usernames == ["990301-yjj", "990301-nyj_2", "990301101", "990301102"]
    for _unit, _kind, username, password in rows[2:]:
        assert User.objects.get(username=username).check_password(password)
    assert "4" in capsys.readouterr().out
    call_command("create_accounts", "--county", "990301")
    assert "已有账号" in capsys.readouterr().out


def test_the_command_prints_a_table_without_a_file(county_c, capsys):
    call_command("create_accounts", "--county", "990301")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t") == list(account_sheet.HEADERS)
    unit, kind, username, password = lines[1].split("\t")
    assert (unit, kind, username) == ("新迁县应急管理局", "部门", "990301-yjj")
    assert User.objects.get(username=username).check_password(password)


def test_the_command_exits_non_zero_and_writes_nothing_when_refused(county_c, world, tmp_path):
    User.objects.create_user("990301101")
    path = tmp_path / "账号.xlsx"
    with pytest.raises(CommandError) as error:
        call_command("create_accounts", "--county", "990301", "-o", str(path))
    assert "河口镇" in str(error.value) and "990301101" in str(error.value)
    assert not path.exists() and not User.objects.filter(username="990301-yjj").exists()
    office_a = make_user(Profile.Role.OFFICE, username="office_a", county=world.county)
    with pytest.raises(CommandError):
        call_command("create_accounts", "--county", "990301", "--user", office_a.username)
    with pytest.raises(CommandError):
        call_command("create_accounts", "--county", "990999")


# --- the admin's account steps -----------------------------------------------------------


@pytest.fixture
def office_a(world):
    return make_user(Profile.Role.OFFICE, username="office_a", county=world.county)


@pytest.fixture
def client_a(office_a):
    client = Client()
    client.force_login(office_a)
    return client


@pytest.fixture
def user_b(db):
    county = CountyFactory(code="990299", name="邻县")
    department = DepartmentFactory(county=county, code="YJJ", name="邻县应急管理局")
    return make_user(Profile.Role.DEPARTMENT, username="linxian-yjj", department=department)


def user_action(client, action, users):
    return client.post(reverse("admin:auth_user_changelist"), {
        "action": action, "_selected_action": [u.pk for u in users],
    })


def test_reset_password_downloads_new_one_time_passwords(client_a, world):
    response = user_action(client_a, "reset_passwords", [world.dept_a_user])
    assert response["Content-Type"] == account_sheet.CONTENT_TYPE
    [row] = read_sheet(response.content)[2:]
    assert row[:3] == ["示范县应急管理局", "部门", "dept_a"]
    assert login(Client(), "dept_a", PASSWORD).status_code == 200  # the old one no longer works
    client = Client()
    assert login(client, "dept_a", row[3]).status_code == 302
    assert client.get(reverse("home"))["Location"] == reverse("password_change")
    assert LogEntry.objects.filter(object_id=str(world.dept_a_user.pk),
                                   change_message=accounts.LOG_RESET).exists()


def test_deactivate_and_reactivate(client_a, world):
    user_action(client_a, "deactivate", [world.township_a_user])
    assert login(Client(), "township_a", PASSWORD).status_code == 200  # refused
    user_action(client_a, "reactivate", [world.township_a_user])
    assert login(Client(), "township_a", PASSWORD).status_code == 302


def test_an_office_cannot_deactivate_itself(office_a):
    with pytest.raises(PermissionDenied):
        accounts.set_active(office_a, [office_a], False)
    office_a.refresh_from_db()
    assert office_a.is_active


def test_unlock_lets_a_locked_out_user_log_in_again(client_a, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(Client(), "dept_a", "wrong")
    assert login(Client(), "dept_a", PASSWORD).status_code == 429
    user_action(client_a, "unlock", [world.dept_a_user])
    assert login(Client(), "dept_a", PASSWORD).status_code == 302


def test_the_actions_do_nothing_to_another_countys_accounts(client_a, user_b, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(Client(), user_b.username, "wrong")
    for action in ("reset_passwords", "deactivate", "unlock"):
        user_action(client_a, action, [user_b])
    user_b.refresh_from_db()
    assert user_b.is_active and user_b.check_password(PASSWORD)
    assert login(Client(), user_b.username, PASSWORD).status_code == 429  # still locked
    for step in (accounts.reset_passwords, accounts.unlock):
        with pytest.raises(PermissionDenied):
            step(User.objects.get(username="office_a"), [user_b])


# --- the user admin's boundaries ----------------------------------------------------------


def test_the_office_sees_only_its_countys_accounts(client_a, world, office_a, user_b):
    superuser = User.objects.create_superuser("root", "root@example.com", "x")
    office_b = make_user(Profile.Role.OFFICE, username="office_b", county=user_b.profile.department.county)
    response = client_a.get(reverse("admin:auth_user_changelist"))
    shown = {u.username for u in response.context["cl"].result_list}
    assert shown == {"office_a", "dept_a", "dept_b", "township_a", "township_b"}
    filters = {str(spec.title) for spec in response.context["cl"].filter_specs}
    assert "组" not in filters and "工作人员状态" not in filters
    for other in (user_b, superuser, office_b, world.office):
        assert client_a.get(reverse("admin:auth_user_change", args=[other.pk])).status_code == 404
        assert client_a.get(reverse("admin:auth_user_password_change", args=[other.pk])).status_code == 404


def test_the_office_cannot_make_anyone_superuser_staff_or_give_groups(client_a, world):
    from django.contrib.auth.models import Group

    from tests.factories_admin import changeform_payload

    user = world.dept_a_user
    page = client_a.get(reverse("admin:auth_user_change", args=[user.pk]))
    form_fields = set(page.context["adminform"].form.fields)
    assert not {"is_superuser", "is_staff", "groups", "user_permissions"} & form_fields
    data = changeform_payload(page)
    data.update(is_superuser="on", is_staff="on", groups=[Group.objects.get(name="编办").pk],
                first_name="改名")
    response = client_a.post(reverse("admin:auth_user_change", args=[user.pk]), data)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.first_name == "改名"
    assert not user.is_superuser and not user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == ["部门"]


def test_the_office_cannot_give_a_profile_another_countys_unit(client_a, world, user_b):
    from tests.factories_admin import changeform_payload, form_errors

    user = world.dept_a_user
    data = changeform_payload(client_a.get(reverse("admin:auth_user_change", args=[user.pk])))
    data["profile-0-department"] = user_b.profile.department.pk
    response = client_a.post(reverse("admin:auth_user_change", args=[user.pk]), data)
    assert response.status_code == 200 and form_errors(response)
    user.profile.refresh_from_db()
    assert user.profile.department == world.dept_a


def test_an_office_account_it_makes_works_for_its_county(client_a, world):
    from tests.factories_admin import changeform_payload, form_errors

    user = world.dept_a_user
    data = changeform_payload(client_a.get(reverse("admin:auth_user_change", args=[user.pk])))
    data.update({"profile-0-role": "office", "profile-0-department": "", "profile-0-county": ""})
    response = client_a.post(reverse("admin:auth_user_change", args=[user.pk]), data)
    assert response.status_code == 200 and form_errors(response)  # every county: refused
    data["profile-0-county"] = world.county.pk
    response = client_a.post(reverse("admin:auth_user_change", args=[user.pk]), data)
    assert response.status_code == 302, form_errors(response)
    user.refresh_from_db()
    assert user.is_staff and user.profile.county == world.county  # it may now use the admin
    assert list(user.groups.values_list("name", flat=True)) == ["编办"]


def test_the_office_adds_an_account_in_the_admin_with_a_one_time_password(client_a, world):
    from tests.factories_admin import changeform_payload, form_errors

    township = TownshipFactory(county=world.county, code="990101109", name="南山镇")
    data = changeform_payload(client_a.get(reverse("admin:auth_user_add")))
    data.update({
        "username": "nanshan", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
        "usable_password": "true", "profile-0-role": "township", "profile-0-township": township.pk,
    })
    response = client_a.post(reverse("admin:auth_user_add"), data)
    assert response.status_code == 302, form_errors(response)
    user = User.objects.get(username="nanshan")
    assert user.profile.township == township and user.profile.must_change_password


def test_a_password_set_in_the_admin_is_one_time(client_a, world):
    response = client_a.post(
        reverse("admin:auth_user_password_change", args=[world.dept_b_user.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    world.dept_b_user.refresh_from_db()
    assert world.dept_b_user.check_password(NEW_PASSWORD)
    assert world.dept_b_user.profile.must_change_password


def test_the_office_group_may_manage_accounts_but_not_delete_them(office_a):
    office = User.objects.get(pk=office_a.pk)
    assert office.has_perm("auth.change_user") and office.has_perm("auth.add_user")
    assert not office.has_perm("auth.delete_user")


def test_a_county_office_creates_accounts_only_for_its_own_county(client_a, world, county_c):
    response = client_a.post(reverse("admin:townships_county_changelist"), {
        "action": "create_accounts", "_selected_action": [county_c.pk],
    })
    assert response.status_code == 302  # not in its list: nothing selected, nothing made
    assert not User.objects.filter(username__startswith="990301").exists()


def test_no_api_token_for_an_account_with_a_one_time_password(county_c, office_c):
    account = accounts.create_accounts(office_c, county_c)[0]
    with pytest.raises(CommandError) as error:
        call_command("create_api_token", account.username)
    assert "一次性密码" in str(error.value)


def test_a_token_made_before_a_password_reset_is_refused_until_the_password_is_changed(
    county_c, office_c
):
    """An existing API token does not get around the forced change of a one-time password."""
    from knox.models import AuthToken

    account = accounts.create_accounts(office_c, county_c)[0]
    user = User.objects.get(username=account.username)
    _instance, key = AuthToken.objects.create(user=user)
    response = Client().get("/api/v1/delegations/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 403
    assert "密码" in response.json()["detail"]
    browser = Client()
    browser.post(reverse("login"), {"username": account.username, "password": account.password})
    browser.post(reverse("password_change"), {
        "old_password": account.password, "new_password1": "Zhen-hao-ji-2027",
        "new_password2": "Zhen-hao-ji-2027",
    })
    assert Client().get("/api/v1/delegations/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
