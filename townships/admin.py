"""Admin for counties, townships, departments and user accounts (with their profile).

Every admin is scoped to what the user may write (``townships.admin_scope``): an office user
of one county sees and manages that county only — its townships, departments and the accounts
of its units — and cannot make anyone a superuser or staff, or give out groups and
permissions. The accounts' steps (create a county's accounts, reset a password, deactivate,
reactivate, unlock a login) are admin actions over ``townships.accounts``.
"""

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.templatetags import admin_list
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, ReadOnlyPasswordHashWidget, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Count
from django.http import HttpResponse
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from duties.excel.admin import ExcelImportExportMixin
from duties.excel.workbook_admin import CountyWorkbookAdminMixin
from townships import access, account_sheet, accounts, first_login
from townships.admin_scope import ScopedAdminMixin, ScopedChoicesMixin, superuser_only
from townships.models import County, Department, DepartmentAlias, Profile, Township

# Titles of the whole admin site (this module is the first of the project's admins to load).
admin.site.site_header = _("qingdan duty lists")
admin.site.site_title = _("qingdan duty lists")
admin.site.index_title = _("Duty lists administration")


# --------------------------------------------------------------------------- the admin in Chinese
#
# What Django's and the other apps' own code leaves in English on a Chinese admin, put in
# Chinese here (the rest is translated by msgids in locale/zh_Hans: Django's missing admin
# strings, django-axes' verbose names). Only display values are set: the models' migration
# state (``Meta`` as declared, a field's own ``verbose_name`` argument) does not change.


def _boolean_icon(field_val):
    """Django's yes/no/unknown icon (``admin_list._boolean_icon``), with its alternative text
    translated: Django writes the Python value (True/False/None), which a screen reader and
    an image-less browser show as it is."""
    name = {True: "yes", False: "no", None: "unknown"}[field_val]
    text = {True: gettext("Yes"), False: gettext("No"), None: gettext("Unknown")}[field_val]
    return format_html('<img src="{}" alt="{}">', static("admin/img/icon-%s.svg" % name), text)


# The change list, read-only fields and boolean columns all import it from here when they
# draw an icon (django.contrib.admin.helpers and .utils import it at call time).
admin_list._boolean_icon = _boolean_icon

# Apps whose configuration has no name of its own (the admin shows "Axes", "Knox").
APP_NAMES = {"axes": _("Login throttling"), "knox": _("API tokens")}
for _app_label, _app_name in APP_NAMES.items():
    if apps.is_installed(_app_label):
        apps.get_app_config(_app_label).verbose_name = _app_name


def _name_knox_token():
    """knox's token model declares no verbose names (the admin shows "auth token",
    "Expiry"): give its model and fields Chinese display names."""
    if not apps.is_installed("knox"):
        return
    from knox.models import get_token_model

    opts = get_token_model()._meta
    opts.verbose_name = _("API token")
    opts.verbose_name_plural = _("API tokens")
    for name, label in {"digest": _("token digest"), "token_key": _("token prefix"),
                        "user": _("user"), "created": _("created at"),
                        "expiry": _("expires at")}.items():
        try:
            opts.get_field(name).verbose_name = label
        except FieldDoesNotExist:  # a knox version without that field
            continue


_name_knox_token()


def _name_axes_records():
    """django-axes' records describe themselves in English ("Access Log for bianban @ …"),
    which the admin shows as their title: describe them in Chinese."""
    if not apps.is_installed("axes"):
        return
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    AccessLog.__str__ = lambda self: gettext("Login of %(username)s at %(time)s") % {
        "username": self.username, "time": self.attempt_time}
    AccessAttempt.__str__ = lambda self: gettext("Login attempt at %(time)s") % {
        "time": self.attempt_time}
    AccessFailureLog.__str__ = lambda self: gettext(
        "Failed login of %(username)s at %(time)s from %(address)s") % {
        "username": self.username, "time": self.attempt_time, "address": self.ip_address}


_name_axes_records()

PERMISSION_ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def model_display_name(model) -> str:
    """The model's verbose name; for django-simple-history's many-to-many history tables
    (named like ``HistoricalDelegation_townships``) the history and the related model."""
    opts = model._meta
    instance_type = getattr(model, "instance_type", None)
    if instance_type is not None and any(f.name == "m2m_history_id" for f in opts.fields):
        history = opts.get_field("history").related_model
        owner = getattr(history, "instance_type", None)  # the model whose m2m this records
        related = [
            f.related_model for f in opts.fields
            if f.is_relation and f.name != "history" and f.related_model is not owner
        ]
        if related:
            return gettext("%(history)s — %(related)s") % {
                "history": history._meta.verbose_name, "related": related[0]._meta.verbose_name}
    return str(opts.verbose_name)


def permission_label(permission) -> str:
    """A permission in Chinese. Django stores its name ("Can add duty item") in English when
    it migrates, so the label is built from the codename and the model's verbose name."""
    content_type = permission.content_type
    model = content_type.model_class()
    action, _sep, model_name = permission.codename.partition("_")
    if model is None or action not in PERMISSION_ACTIONS or model_name != model._meta.model_name:
        return str(permission)
    name = model_display_name(model)
    app = apps.get_app_config(content_type.app_label).verbose_name
    return f"{app} | {name} | {PERMISSION_ACTIONS[action] % {'model': name}}"


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return permission_label(obj)


class PermissionLabelsMixin:
    """The permission pickers of the user and group admins, labelled in Chinese."""

    permission_fields = ("permissions", "user_permissions")

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name in self.permission_fields:
            queryset = kwargs.get("queryset", db_field.remote_field.model.objects)
            kwargs["queryset"] = queryset.select_related("content_type")
            kwargs["form_class"] = PermissionChoiceField
        return super().formfield_for_manytomany(db_field, request=request, **kwargs)


if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(Group)
class QingdanGroupAdmin(PermissionLabelsMixin, GroupAdmin):
    """Django's group admin with the permissions labelled in Chinese (superusers only, below)."""


# Other apps' admins (groups; django-axes' login records; knox's API tokens): superusers only.
for _label in ("auth.Group", "axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog",
               "knox.AuthToken"):
    if admin.site.is_registered(apps.get_model(_label)):
        superuser_only(apps.get_model(_label))


def sheet_download(issued, where: str, code: str) -> HttpResponse:
    """The one-time passwords as an .xlsx download (never cached)."""
    response = HttpResponse(
        account_sheet.workbook(issued, account_sheet.title_for(where)),
        content_type=account_sheet.CONTENT_TYPE,
    )
    response["Content-Disposition"] = f'attachment; filename="{account_sheet.file_name_for(code)}"'
    response["Cache-Control"] = "no-store"
    return response


def refusal_messages(error) -> list[str]:
    return list(getattr(error, "messages", None) or [str(error)])


@admin.register(County)
class CountyAdmin(ScopedAdminMixin, CountyWorkbookAdminMixin, admin.ModelAdmin):
    """Counties; the county workbook import (``CountyWorkbookAdminMixin``) and the action that
    creates the accounts of a county's units."""

    list_display = ["code", "name", "prefecture", "province", "township_count", "department_count"]
    list_display_links = ["code", "name"]
    list_filter = ["province", "prefecture"]
    search_fields = ["code", "name", "prefecture", "province"]
    ordering = ["code"]  # explicit: the counts' GROUP BY drops the model's default ordering
    actions = ["create_accounts"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _township_count=Count("townships", distinct=True),
                _department_count=Count("departments", distinct=True),
            )
        )

    def has_add_permission(self, request):
        """A county is added by an office user of every county (or a superuser), not by one
        limited to its own county."""
        return super().has_add_permission(request) and access.office_county_id(request.user) is None

    def has_delete_permission(self, request, obj=None):
        return (
            super().has_delete_permission(request, obj)
            and access.office_county_id(request.user) is None
        )

    @admin.display(description=_("townships"), ordering="_township_count")
    def township_count(self, obj):
        return obj._township_count

    @admin.display(description=_("departments"), ordering="_department_count")
    def department_count(self, obj):
        return obj._department_count

    @admin.action(
        description=_("Create the accounts of the county's departments and townships"),
        permissions=["change"],
    )
    def create_accounts(self, request, queryset):
        counties = list(queryset[:2])
        if len(counties) != 1:
            self.message_user(request, gettext("Select one county."), messages.ERROR)
            return None
        county = counties[0]
        try:
            issued = accounts.create_accounts(request.user, county)
        except (accounts.AccountsRefused, PermissionDenied) as error:
            for message in refusal_messages(error):
                self.message_user(request, message, messages.ERROR)
            self.message_user(request, gettext("No account was created."), messages.ERROR)
            return None
        if not issued:
            self.message_user(
                request,
                gettext("Every department and township of %(county)s has an account already.")
                % {"county": county.name},
                messages.INFO,
            )
            return None
        self.message_user(
            request,
            gettext("Created %(count)s accounts; their one-time passwords are in the downloaded "
                    "file (they are not stored in clear).") % {"count": len(issued)},
            messages.SUCCESS,
        )
        return sheet_download(issued, county.name, county.code)


@admin.register(Township)
class TownshipAdmin(ScopedAdminMixin, ExcelImportExportMixin, admin.ModelAdmin):
    list_display = ["code", "name", "county", "kind", "category", "population", "area_km2"]
    list_display_links = ["code", "name"]
    list_filter = ["county", "kind", "category"]
    list_select_related = ["county"]
    search_fields = ["code", "name", "county__name", "county__code"]
    autocomplete_fields = ["county"]


class DepartmentAliasInline(ScopedChoicesMixin, admin.TabularInline):
    model = DepartmentAlias
    extra = 1


@admin.register(Department)
class DepartmentAdmin(ScopedAdminMixin, ExcelImportExportMixin, admin.ModelAdmin):
    list_display = ["code", "name", "short_name", "alias_list", "kind", "county"]
    list_display_links = ["code", "name"]
    list_filter = ["county", "kind"]
    list_select_related = ["county"]
    search_fields = ["code", "name", "short_name", "aliases__name"]
    autocomplete_fields = ["county"]
    inlines = [DepartmentAliasInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("aliases")

    @admin.display(description=_("aliases"))
    def alias_list(self, obj):
        return "、".join(alias.name for alias in obj.aliases.all())


# --------------------------------------------------------------------------- user accounts


class ProfileForm(forms.ModelForm):
    """The profile as the admin edits it; ``actor`` (the signed-in user) is set per request."""

    actor = None

    class Meta:
        model = Profile
        fields = ["role", "county", "department", "township"]

    def clean(self):
        cleaned_data = super().clean()
        limit = access.office_county_id(self.actor) if self.actor is not None else None
        county = cleaned_data.get("county")
        if (
            limit is not None
            and cleaned_data.get("role") == Profile.Role.OFFICE
            and (county is None or county.pk != limit)
        ):
            self.add_error("county", gettext(
                "An office account you create or edit works for your county: choose it here."
            ))
        return cleaned_data


class ProfileInline(ScopedChoicesMixin, admin.StackedInline):
    model = Profile
    form = ProfileForm
    can_delete = False
    max_num = 1
    min_num = 0
    fields = ["role", "county", "department", "township", "must_change_password"]
    readonly_fields = ["must_change_password"]
    autocomplete_fields = ["county", "department", "township"]

    def get_min_num(self, request, obj=None, **kwargs):
        """An office user limited to a county must give every account a profile (without one
        the account would not be its county's)."""
        return 0 if access.office_county_id(request.user) is None else 1

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type(formset.form.__name__, (formset.form,), {"actor": request.user})
        return formset


class PasswordStateWidget(ReadOnlyPasswordHashWidget):
    """The password on the account's page: the hashing algorithm and its work factor, without
    the masked start of the salt and the hash (of no use to a clerk, and random letters)."""

    HIDDEN = ("salt", "hash", "checksum")  # the hashers' own (translated) summary keys

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        hidden = {gettext(key) for key in self.HIDDEN}
        context["summary"] = [entry for entry in context["summary"] if entry["label"] not in hidden]
        return context


class QingdanUserChangeForm(UserChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        password = self.fields.get("password")
        if password is not None:
            password.widget = PasswordStateWidget()


class OneTimeAdminPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "set password" form: a password set for someone is a one-time password."""

    def set_password_and_save(self, user, commit=True, **kwargs):
        if self.cleaned_data.get("set_usable_password", True):
            setattr(user, first_login.ONE_TIME_ATTRIBUTE, True)
        return super().set_password_and_save(user, commit=commit, **kwargs)


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class QingdanUserAdmin(ScopedAdminMixin, PermissionLabelsMixin, UserAdmin):
    """django.contrib.auth's user admin with the qingdan profile (role, department, township),
    scoped to the accounts the user may manage (``access.user_accounts_q``). Only a superuser
    edits staff and superuser status, groups and permissions."""

    inlines = [ProfileInline]
    form = QingdanUserChangeForm
    change_password_form = OneTimeAdminPasswordChangeForm
    actions = ["reset_passwords", "deactivate", "reactivate", "unlock"]
    list_display = [
        "username",
        "first_name",
        "last_name",
        "role",
        "department",
        "township",
        "is_staff",
        "is_active",
    ]
    list_filter = ["profile__role", "profile__county", "is_staff", "is_active", "groups"]
    list_select_related = ["profile", "profile__department", "profile__township"]
    search_fields = [
        "username",
        "first_name",
        "last_name",
        "email",
        "profile__department__name",
        "profile__township__name",
    ]
    office_fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "email"]}),
        (_("Account status"), {"fields": ["is_active"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]

    @admin.display(description=_("role"), ordering="profile__role")
    def role(self, obj):
        profile = getattr(obj, "profile", None)
        return profile.get_role_display() if profile else None

    @admin.display(description=_("department"), ordering="profile__department__name")
    def department(self, obj):
        profile = getattr(obj, "profile", None)
        return profile.department if profile else None

    @admin.display(description=_("township"), ordering="profile__township__name")
    def township(self, obj):
        profile = getattr(obj, "profile", None)
        return profile.township if profile else None

    def get_fieldsets(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return self.office_fieldsets

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        readonly = ["last_login", "date_joined"]
        if obj is not None and obj.pk == request.user.pk:
            readonly.append("is_active")  # nobody locks themselves out
        return readonly

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return filters
        superuser_only = {"is_staff", "groups"}
        return [f for f in filters if (f[0] if isinstance(f, tuple) else f) not in superuser_only]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change and form.instance.has_usable_password():
            first_login.require_password_change(form.instance)

    # ------------------------------------------------------------------ actions

    def _refused(self, request, error):
        for message in refusal_messages(error):
            self.message_user(request, message, messages.ERROR)

    @admin.action(description=_("Reset the password (download the one-time passwords)"),
                  permissions=["change"])
    def reset_passwords(self, request, queryset):
        try:
            issued = accounts.reset_passwords(request.user, queryset)
        except PermissionDenied as error:
            self._refused(request, error)
            return None
        county = access.user_county(request.user)
        self.message_user(
            request,
            gettext("New one-time passwords for %(count)s accounts are in the downloaded file; "
                    "the old passwords no longer work.") % {"count": len(issued)},
            messages.SUCCESS,
        )
        return sheet_download(
            issued, county.name if county else "", county.code if county else "reset"
        )

    def _set_active(self, request, queryset, active):
        try:
            changed = accounts.set_active(request.user, queryset, active)
        except PermissionDenied as error:
            self._refused(request, error)
            return
        message = (
            gettext("Reactivated %(count)s accounts.") if active
            else gettext("Deactivated %(count)s accounts: they can no longer log in.")
        )
        self.message_user(request, message % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Deactivate the selected accounts"), permissions=["change"])
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, False)

    @admin.action(description=_("Reactivate the selected accounts"), permissions=["change"])
    def reactivate(self, request, queryset):
        self._set_active(request, queryset, True)

    @admin.action(description=_("Unlock the login of the selected accounts"),
                  permissions=["change"])
    def unlock(self, request, queryset):
        try:
            removed = accounts.unlock(request.user, queryset)
        except PermissionDenied as error:
            self._refused(request, error)
            return
        self.message_user(
            request,
            gettext("Unlocked: %(count)s failed login records removed; the accounts can log in "
                    "again.") % {"count": removed},
            messages.SUCCESS,
        )
