"""The admin scoped like the API and the pages, through ``townships.access``.

Every ModelAdmin of the project uses ``ScopedAdminMixin`` (first among its bases) and every
inline ``ScopedChoicesMixin``; the admins of other apps' models (groups, django-axes' login
records, knox's API tokens) are for superusers only (``superuser_only``). A test walks the
admin's registry and fails on an admin that does neither.

What the mixin does, for an office user limited to one county (a superuser, or an office user
without a county, sees everything):

- lists, search, exports (django-import-export reads the change list) and the date
  hierarchy show the rows the user may write: ``access.restrict(user, qs, access.CHANGE)``;
- the change, delete and history pages of any other row answer 404 (as does a row that does
  not exist: the two are not told apart), and the object permissions say no for it (which
  also covers django-simple-history's pages of a past version);
- the choices of every foreign key and many-to-many field, the autocomplete answers (they
  come from the related model's scoped admin) and the related-field list filters offer only
  the rows the user may write.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist
from django.http import Http404
from django.utils.translation import gettext as _

from townships import access

_CACHE_ATTRIBUTE = "_qingdan_admin_scope"


def scoped_choices(user, queryset):
    """``queryset`` narrowed to the rows ``user`` may write, for a model with a scope rule
    (other models — groups, permissions — are left as they are)."""
    if access.has_rule(queryset.model):
        return access.restrict(user, queryset, access.CHANGE)
    return queryset


def in_scope(request, obj) -> bool:
    """Whether the user may write ``obj`` (True for no object or an unsaved one). An object no
    longer in the database (a deleted row's history) is judged by the county it names."""
    if obj is None or obj.pk is None:
        return True
    model = obj._meta.concrete_model
    if not access.has_rule(model):
        return True
    cache = request.__dict__.setdefault(_CACHE_ATTRIBUTE, {})
    key = (model._meta.label, obj.pk)
    if key not in cache:
        user = request.user
        rows = model._default_manager.filter(pk=obj.pk)
        if access.restrict(user, rows, access.CHANGE).exists():
            cache[key] = True
        elif rows.exists():
            cache[key] = False
        else:
            limit = access.office_county_id(user)
            cache[key] = access.role_of(user) == access.OFFICE and (
                limit is None or access.county_id_of(obj) == limit
            )
    return cache[key]


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """The related-field filter offering only the related rows the user may write."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        model = field.related_model
        if not access.has_rule(model):
            return super().field_choices(field, request, model_admin)
        return field.get_choices(
            include_blank=False,
            ordering=ordering,
            limit_choices_to=access.scope_q(request.user, model, access.CHANGE),
        )


class ScopedChoicesMixin:
    """For a ModelAdmin or an inline: foreign key and many-to-many choices limited to the rows
    the user may write."""

    def get_field_queryset(self, db, db_field, request):
        queryset = super().get_field_queryset(db, db_field, request)
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.using(db).all()
        return scoped_choices(request.user, queryset)


class ScopedAdminMixin(ScopedChoicesMixin):
    """Put first among a project ModelAdmin's bases (see the module's docstring)."""

    def get_queryset(self, request):
        return access.restrict(request.user, super().get_queryset(request), access.CHANGE)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("There is no such record, or it is not one of your county's."))
        return obj

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and in_scope(request, obj)

    def get_list_filter(self, request):
        return [self._scoped_filter(entry) for entry in super().get_list_filter(request)]

    # -- the flag store follows every admin write, in its transaction (docs/flags.md)

    FLAG_MODELS = ("township", "department", "dutyitem", "listentry", "assignment", "calendarday")

    def _refresh_flags(self, request, county_ids):
        from delegations.flags import store

        name = self.model._meta.concrete_model._meta.model_name
        if name not in self.FLAG_MODELS:
            return
        reason = "管理后台修改"
        # A list entry can change only the rules that read list entries.
        rules = store.list_rules() if name == "listentry" else None
        for county_id in county_ids:
            if county_id is None:  # the calendar: every county's date-dependent rules
                store.refresh(rules=store.dated_rules(), reason=reason, user=request.user)
            else:
                store.refresh(county=county_id, rules=rules, reason=reason, user=request.user)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._refresh_flags(request, {access.county_id_of(form.instance)})

    def delete_model(self, request, obj):
        county_id = access.county_id_of(obj)
        super().delete_model(request, obj)
        self._refresh_flags(request, {county_id})

    def delete_queryset(self, request, queryset):
        county_ids = {access.county_id_of(obj) for obj in queryset}
        super().delete_queryset(request, queryset)
        self._refresh_flags(request, county_ids)

    def _scoped_filter(self, entry):
        """A related field named by its path gets the scoped filter."""
        if not isinstance(entry, str):
            return entry
        try:
            field = get_fields_from_path(self.model, entry)[-1]
        except (FieldDoesNotExist, NotRelationField):
            return entry
        if field.is_relation and field.related_model is not None:
            return (entry, ScopedRelatedFieldListFilter)
        return entry


class SuperuserOnlyAdminMixin:
    """An admin only superusers see and use."""

    def _superuser(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return self._superuser(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._superuser(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args, **kwargs):
        return self._superuser(request) and super().has_add_permission(request, *args, **kwargs)

    def has_change_permission(self, request, obj=None):
        return self._superuser(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._superuser(request) and super().has_delete_permission(request, obj)


def superuser_only(model, site=admin.site) -> None:
    """Register ``model``'s admin again, for superusers only."""
    current = site.get_model_admin(model)
    if isinstance(current, SuperuserOnlyAdminMixin):
        return
    site.unregister(model)
    admin_class = type(
        f"SuperuserOnly{type(current).__name__}", (SuperuserOnlyAdminMixin, type(current)), {}
    )
    site.register(model, admin_class)
