"""Admin for the duty catalog and the four lists (one admin per list proxy).

Every admin is scoped to what the user may write (``townships.admin_scope.ScopedAdminMixin``):
an office user of one county sees, edits, chooses and exports that county's items and entries
only.
"""

import datetime

from django.contrib import admin
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper, ObjDiffDisplay

from duties.excel.admin import ExcelImportExportMixin
from duties.forms import DutyItemForm, ListEntryForm
from duties.models import (
    AdmissionEntry,
    DutyItem,
    ListEntry,
    PowerEntry,
    ReclaimedEntry,
    TerritorialEntry,
)
from townships import access
from townships.admin_scope import ScopedAdminMixin
from townships.models import Township

CHANGE_REASON_FIELD = "change_reason"


class _DiffDisplay(ObjDiffDisplay):
    def shortened_str(self, prefix, num_skipped_chars, suffix):
        skipped = gettext("[%(count)d characters left out]") % {"count": num_skipped_chars}
        return f"{prefix}{skipped}{suffix}"


class HistoryChangesHelper(HistoricalRecordContextHelper):
    """The changes column of a history page as a clerk reads it: a choice by its label
    (已提交, not ``submitted``), yes/no, a date or time as the pages write it (local time), an
    empty value as such, a removed related row by its kind and number, and a shortened text
    saying so in Chinese (django-simple-history shows the stored values and ``None``)."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if isinstance(value, DeletedObject):
            if value.pk is None:
                return gettext("(empty)")
            return gettext("deleted %(model)s %(pk)s") % {
                "model": value.model._meta.verbose_name, "pk": value.pk}
        if value is None or value == "":
            return gettext("(empty)")
        if isinstance(value, bool):
            return gettext("Yes") if value else gettext("No")
        if isinstance(value, datetime.datetime):
            return formats.localize(timezone.localtime(value) if timezone.is_aware(value) else value)
        if isinstance(value, datetime.date):
            return formats.localize(value)
        if getattr(field, "flatchoices", None):
            return str(dict(field.flatchoices).get(value, value))
        return super().prepare_delta_change_value(change, value)

    def get_obj_diff_display(self):
        return _DiffDisplay(max_length=self.max_displayed_delta_change_chars)


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin with the history page's changes in Chinese
    (``HistoryChangesHelper``); every history admin of the project derives from it."""

    def get_historical_record_context_helper(self, request, historical_record):
        return HistoryChangesHelper(self.model, historical_record)


class ChangeReasonAdminMixin:
    """Admin mixin: the form's optional "change reason" becomes the history row's reason.

    Use with a form derived from duties.forms.ChangeReasonForm and SimpleHistoryAdmin (which
    sets the history user). Appends the change reason to declared fieldsets that lack it.
    """

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        names = admin.utils.flatten_fieldsets(fieldsets)
        if CHANGE_REASON_FIELD not in names:
            fieldsets.append((_("History"), {"fields": [CHANGE_REASON_FIELD]}))
        return fieldsets

    def save_model(self, request, obj, form, change):
        reason = (form.cleaned_data.get(CHANGE_REASON_FIELD) or "").strip()
        obj._change_reason = reason or None
        super().save_model(request, obj, form, change)


def short(text, length=40):
    return Truncator(text or "").chars(length)


@admin.register(DutyItem)
class DutyItemAdmin(ScopedAdminMixin, ChangeReasonAdminMixin, HistoryAdmin):
    form = DutyItemForm
    list_display = ["code", "name", "sub_item", "category", "department", "county", "updated_at"]
    list_display_links = ["code", "name"]
    list_filter = [
        "county",
        "category",
        ("department", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["county", "department"]
    search_fields = ["code", "name", "sub_item", "department__name", "department__short_name"]
    autocomplete_fields = ["county", "department"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["county", "code", "name", "sub_item", "category", "department"]}),
        (
            _("Legal basis and responsibility"),
            {"fields": ["legal_basis", "responsibility_stages", "accountability_cases"]},
        ),
        (_("History"), {"fields": ["change_reason", "created_at", "updated_at"]}),
    ]


class CoveredTownshipFilter(admin.SimpleListFilter):
    """The entries on a township's lists: county-wide entries of its county and those naming it."""

    title = _("township")
    parameter_name = "township"
    county_parameter = "item__county__id__exact"

    def lookups(self, request, model_admin):
        townships = access.restrict(
            request.user, Township.objects.select_related("county").order_by("code"), access.CHANGE
        )
        county = request.GET.get(self.county_parameter)
        if county and county.isdigit():
            return [(t.pk, t.name) for t in townships.filter(county_id=county)]
        return [(t.pk, f"{t.county} · {t.name}") for t in townships]

    def queryset(self, request, queryset):
        value = self.value()
        if not value or not value.isdigit():
            return queryset
        township = access.restrict(
            request.user, Township.objects.filter(pk=value), access.CHANGE
        ).first()
        if township is None:
            return queryset.none()
        return queryset.covering(township)


class InForceFilter(admin.SimpleListFilter):
    title = _("in force today")
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [("yes", _("in force")), ("no", _("not in force"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        in_force = ListEntry.objects.in_force(today).values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=in_force)
        if self.value() == "no":
            return queryset.exclude(pk__in=in_force)
        return queryset


class ListEntryAdminBase(ChangeReasonAdminMixin, HistoryAdmin):
    """What the four list admins share: the item, its scope, status and validity window."""

    form = ListEntryForm
    list_per_page = 50
    search_fields = [
        "item__code",
        "item__name",
        "item__sub_item",
        "document_no",
        "townships__name",
    ]
    autocomplete_fields = ["item", "townships", "delegation"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "effective_from"
    base_list_select_related = ["item", "item__county", "item__department"]
    list_select_related_extra: list[str] = []
    list_filter_common_before = [
        "item__county",
        CoveredTownshipFilter,
    ]
    list_filter_common_after = ["status", InForceFilter, "all_townships"]
    list_filter_specific: list = []

    common_fieldset = (
        None,
        {"fields": ["item", "status", "effective_from", "effective_to", "document_no"]},
    )
    scope_fieldset = (
        _("Scope"),
        {
            "fields": ["all_townships", "townships"],
            "description": _(
                "Either every township of the item's county, or the townships named here."
            ),
        },
    )
    specific_fieldsets: list = []
    tail_fieldsets = [
        (_("Delegation and notes"), {"fields": ["delegation", "notes"]}),
        (_("History"), {"fields": ["change_reason", "created_at", "updated_at"]}),
    ]

    def get_list_select_related(self, request):
        return [*self.base_list_select_related, *self.list_select_related_extra]

    def get_list_filter(self, request):
        return [
            *self.list_filter_common_before,
            *self.list_filter_specific,
            *self.list_filter_common_after,
        ]

    def get_fieldsets(self, request, obj=None):
        return [
            self.common_fieldset,
            *self.specific_fieldsets,
            self.scope_fieldset,
            *self.tail_fieldsets,
        ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("townships")

    @admin.display(description=_("item code"), ordering="item__code")
    def item_code(self, obj):
        return obj.item.code

    @admin.display(description=_("item name"), ordering="item__name")
    def item_name(self, obj):
        item = obj.item
        return f"{item.name}（{item.sub_item}）" if item.sub_item else item.name

    @admin.display(description=_("category"), ordering="item__category")
    def item_category(self, obj):
        return obj.item.get_category_display()

    @admin.display(description=_("owning department"), ordering="item__department__name")
    def item_department(self, obj):
        return obj.item.department or "—"

    @admin.display(description=_("scope"))
    def scope(self, obj):
        if obj.all_townships:
            return _("every township")
        return "、".join(t.name for t in obj.townships.all())


@admin.register(PowerEntry)
class PowerEntryAdmin(ScopedAdminMixin, ExcelImportExportMixin, ListEntryAdminBase):
    list_display = [
        "item_code",
        "item_name",
        "item_category",
        "source",
        "handling_office",
        "item_department",
        "scope",
        "status",
        "effective_from",
        "effective_to",
    ]
    list_display_links = ["item_code", "item_name"]
    list_filter_specific = [
        "item__category",
        "source",
        ("item__department", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [*ListEntryAdminBase.search_fields, "handling_office"]
    specific_fieldsets = [
        (_("Power list"), {"fields": ["source", "handling_office"]}),
    ]


@admin.register(TerritorialEntry)
class TerritorialEntryAdmin(ScopedAdminMixin, ExcelImportExportMixin, ListEntryAdminBase):
    list_display = [
        "item_code",
        "item_name",
        "domain",
        "lead_department",
        "department_duty_short",
        "township_duty_short",
        "scope",
        "status",
        "effective_from",
    ]
    list_display_links = ["item_code", "item_name"]
    list_select_related_extra = ["lead_department"]
    list_filter_specific = [
        "domain",
        ("lead_department", admin.RelatedOnlyFieldListFilter),
        "item__category",
    ]
    search_fields = [
        *ListEntryAdminBase.search_fields,
        "domain",
        "lead_department__name",
        "lead_department__short_name",
        "cooperating_departments",
    ]
    autocomplete_fields = [*ListEntryAdminBase.autocomplete_fields, "lead_department"]
    specific_fieldsets = [
        (
            _("Territorial list: main and cooperating duties"),
            {
                "fields": [
                    "domain",
                    "lead_department",
                    ("department_duty", "township_duty"),
                    "cooperating_departments",
                ]
            },
        ),
    ]

    @admin.display(description=_("department's duty"))
    def department_duty_short(self, obj):
        return short(obj.department_duty)

    @admin.display(description=_("township's duty (cooperation)"))
    def township_duty_short(self, obj):
        return short(obj.township_duty)


@admin.register(AdmissionEntry)
class AdmissionEntryAdmin(ScopedAdminMixin, ExcelImportExportMixin, ListEntryAdminBase):
    list_display = [
        "item_code",
        "item_name",
        "requesting_department",
        "admission_mode",
        "approval_document",
        "approved_on",
        "effective_from",
        "effective_to",
        "staff_posts",
        "funding_wan_yuan",
        "scope",
        "status",
    ]
    list_display_links = ["item_code", "item_name"]
    list_select_related_extra = ["requesting_department", "delegation"]
    list_filter_specific = [
        "admission_mode",
        ("requesting_department", admin.RelatedOnlyFieldListFilter),
        "item__category",
    ]
    date_hierarchy = "approved_on"
    search_fields = [
        *ListEntryAdminBase.search_fields,
        "approval_document",
        "requesting_department__name",
        "requesting_department__short_name",
    ]
    autocomplete_fields = [*ListEntryAdminBase.autocomplete_fields, "requesting_department"]
    specific_fieldsets = [
        (
            _("Admission: approval, term and resources"),
            {
                "fields": [
                    "requesting_department",
                    "admission_mode",
                    ("approval_document", "approved_on"),
                    ("staff_posts", "funding_wan_yuan"),
                ],
                "description": _(
                    "The term of the admission is the validity window (effective from / to)."
                ),
            },
        ),
    ]


@admin.register(ReclaimedEntry)
class ReclaimedEntryAdmin(ScopedAdminMixin, ExcelImportExportMixin, ListEntryAdminBase):
    list_display = [
        "item_code",
        "item_name",
        "receiving_department",
        "working_method_short",
        "item_department",
        "scope",
        "status",
        "effective_from",
    ]
    list_display_links = ["item_code", "item_name"]
    list_select_related_extra = ["receiving_department"]
    list_filter_specific = [
        ("receiving_department", admin.RelatedOnlyFieldListFilter),
        "item__category",
    ]
    search_fields = [
        *ListEntryAdminBase.search_fields,
        "receiving_department__name",
        "receiving_department__short_name",
        "working_method",
    ]
    autocomplete_fields = [*ListEntryAdminBase.autocomplete_fields, "receiving_department"]
    specific_fieldsets = [
        (_("Reclaimed list"), {"fields": ["receiving_department", "working_method"]}),
    ]

    @admin.display(description=_("working method"))
    def working_method_short(self, obj):
        return short(obj.working_method)


@admin.register(ListEntry)
class AllListsEntryAdmin(ScopedAdminMixin, HistoryAdmin):
    """Read-only view of every list at once (search an item across the four lists).

    Entries are edited through their own list's admin.
    """

    list_display = [
        "item_code",
        "item_name",
        "kind",
        "scope",
        "status",
        "effective_from",
        "effective_to",
    ]
    list_display_links = ["item_code", "item_name"]
    list_filter = ["item__county", CoveredTownshipFilter, "kind", "status", InForceFilter]
    list_select_related = ["item", "item__county"]
    search_fields = ListEntryAdminBase.search_fields
    date_hierarchy = "effective_from"
    list_per_page = 50

    item_code = ListEntryAdminBase.item_code
    item_name = ListEntryAdminBase.item_name
    scope = ListEntryAdminBase.scope

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("townships")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
