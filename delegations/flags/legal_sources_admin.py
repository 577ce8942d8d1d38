"""Admin of the provinces' legal sources (``ProvinceSource``): the office sets, once, what its
province's own regulations say for a rule; the flags of that province's counties cite it after
the national source (``delegations.flags.legal_sources``).

A province source names no county, so the county scoping of ``townships.admin_scope`` cannot
apply as it is: this admin keeps its mixin (the admin's registry is scoped or superuser-only)
and replaces what reads the county with the province. An office user of one county sees,
adds, changes and deletes the sources of its county's province only (another province's row
answers 404; its history and a past version 403); an office user of every county and a
superuser, every province's. Registered from ``DelegationsConfig.ready()``.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from delegations.flags.legal_sources import LegalSources, office_provinces, source_for
from delegations.flags.models import PROVINCES, ProvinceSource, province_choices
from duties.admin import ChangeReasonAdminMixin
from duties.forms import ChangeReasonForm
from townships.admin_scope import ScopedAdminMixin


class ProvinceSourceForm(ChangeReasonForm):
    """A province's citation for one rule; the province offered is the user's own (all of them
    for an office of every county). Why it changes is kept in the history (required)."""

    change_reason_required = True

    class Meta:
        model = ProvinceSource
        fields = ["province", "rule", "text"]

    def __init__(self, *args, provinces=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.provinces = provinces
        if provinces is not None and "province" in self.fields:
            field = self.fields["province"]
            field.choices = [("", "---------")] + [
                (code, label) for code, label in province_choices() if code in provinces
            ]
            if len(provinces) == 1 and not self.instance.pk:
                field.initial = next(iter(provinces))

    def clean_province(self):
        province = self.cleaned_data.get("province")
        if self.provinces is not None and province not in self.provinces:
            # Not offered by the choices; a crafted post gets the same answer.
            raise ValidationError(_("You may set the sources of your own county's province only."))
        return province


@admin.register(ProvinceSource)
class ProvinceSourceAdmin(ScopedAdminMixin, ChangeReasonAdminMixin, SimpleHistoryAdmin):
    form = ProvinceSourceForm
    list_display = ["province_name", "rule_title", "short_text", "cited_as"]
    list_display_links = ["province_name", "rule_title"]
    list_filter = ["province", "rule"]
    search_fields = ["text"]
    fieldsets = [
        (None, {"fields": ["province", "rule", "text"]}),
        (_("History"), {"fields": ["change_reason"]}),
    ]

    # --- scope: the province instead of the county ------------------------------------
    def allowed_provinces(self, request) -> set[str] | None:
        """None: every province; else the set the user may write (maybe empty)."""
        cache = request.__dict__.setdefault("_qingdan_provinces", {})
        if "value" not in cache:
            cache["value"] = office_provinces(request.user)
        return cache["value"]

    def _in_scope(self, request, obj) -> bool:
        if obj is None:
            return True
        allowed = self.allowed_provinces(request)
        return allowed is None or obj.province in allowed

    def get_queryset(self, request):
        # ScopedAdminMixin's county rule does not apply to a model without a county.
        queryset = super(ScopedAdminMixin, self).get_queryset(request)
        allowed = self.allowed_provinces(request)
        return queryset if allowed is None else queryset.filter(province__in=sorted(allowed))

    def get_object(self, request, object_id, from_field=None):
        obj = super(ScopedAdminMixin, self).get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(gettext("There is no such record, or it is not your province's."))
        return obj

    def has_add_permission(self, request):
        allowed = self.allowed_provinces(request)
        return super().has_add_permission(request) and (allowed is None or bool(allowed))

    def has_view_permission(self, request, obj=None):
        return super(ScopedAdminMixin, self).has_view_permission(request, obj) and self._in_scope(
            request, obj
        )

    def has_change_permission(self, request, obj=None):
        return super(ScopedAdminMixin, self).has_change_permission(
            request, obj
        ) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super(ScopedAdminMixin, self).has_delete_permission(
            request, obj
        ) and self._in_scope(request, obj)

    def get_list_filter(self, request):
        return super(ScopedAdminMixin, self).get_list_filter(request)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        provinces = self.allowed_provinces(request)

        class ScopedForm(form):
            def __init__(self, *args, **inner):
                inner.setdefault("provinces", provinces)
                super().__init__(*args, **inner)

        return ScopedForm

    def save_model(self, request, obj, form, change):
        if not self._in_scope(request, obj):
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    # --- columns ----------------------------------------------------------------------
    @admin.display(description=_("province"), ordering="province")
    def province_name(self, obj):
        return f"{obj.province} {PROVINCES.get(obj.province, '')}"

    @admin.display(description=_("rule"), ordering="rule")
    def rule_title(self, obj):
        return obj.get_rule_display()

    @admin.display(description=_("citation"))
    def short_text(self, obj):
        return Truncator(obj.text).chars(60)

    @admin.display(description=_("as the flags cite it"))
    def cited_as(self, obj):
        # What a flag of this rule in a county of the province cites (no query: the row is
        # the province's source).
        sources = LegalSources({(obj.province, obj.rule): obj.text}, [obj.province])
        return format_html('<span class="small">{}</span>',
                           source_for(obj.rule, f"{obj.province}0000", sources))
