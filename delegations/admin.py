"""Admin for delegations (赋权/委托/交办), township opinions, assignments and the calendar."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from delegations.forms import AssignmentForm, DelegationForm
from delegations.models import Assignment, CalendarDay, Delegation, TownshipOpinion
from duties.admin import ChangeReasonAdminMixin

DECIDED_STATES = {
    Delegation.State.APPROVED,
    Delegation.State.REJECTED,
    Delegation.State.REVOKED,
}


class TownshipOpinionInline(admin.TabularInline):
    model = TownshipOpinion
    extra = 0
    fields = ["township", "opinion", "text", "given_by", "given_at"]
    readonly_fields = ["given_by", "given_at"]
    autocomplete_fields = ["township"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("township", "given_by")


@admin.register(Delegation)
class DelegationAdmin(ChangeReasonAdminMixin, SimpleHistoryAdmin):
    """Delegations, including historic ones entered already approved.

    A delegation row is created as a draft (the database insists), its items and townships are
    saved, then the chosen state is applied: all in the admin's transaction.
    """

    form = DelegationForm
    inlines = [TownshipOpinionInline]
    list_display = [
        "number",
        "department",
        "mode",
        "state",
        "item_list",
        "township_list",
        "effective_from",
        "effective_to",
        "expired",
        "deadline",
        "decision_no",
    ]
    list_display_links = ["number", "department"]
    list_filter = [
        "state",
        "mode",
        "department__county",
        ("department", admin.RelatedOnlyFieldListFilter),
        ("townships", admin.RelatedOnlyFieldListFilter),
        "legal_review",
    ]
    list_select_related = ["department", "department__county"]
    search_fields = [
        "department__code",
        "department__name",
        "department__short_name",
        "duty_items__code",
        "duty_items__name",
        "townships__code",
        "townships__name",
        "decision_no",
        "provincial_decision",
    ]
    autocomplete_fields = ["department", "duty_items", "townships", "derived_from"]
    readonly_fields = ["created_by", "decided_by", "created_at", "updated_at"]
    date_hierarchy = "effective_from"
    list_per_page = 50

    # (title, fields, modes the section is for (None: every mode), description)
    sections = [
        (None, ["department", "mode", "duty_items", "townships", "derived_from"], None, None),
        (
            _("Request"),
            ["reason", "legal_basis", ("effective_from", "effective_to")],
            None,
            None,
        ),
        (
            _("Grant: provincial decision"),
            ["provincial_decision"],
            {Delegation.Mode.GRANT},
            _("A grant of penalty powers is decided at provincial level (行政处罚法 第二十四条)."),
        ),
        (
            _("Entrustment: written agreement"),
            ["agreement_scope", "agreement_powers", "agreement_term_end", "agreement_file"],
            {Delegation.Mode.ENTRUST},
            _(
                "An entrustment needs a written agreement stating the items, powers and term "
                "(行政处罚法 第二十条)."
            ),
        ),
        (
            _("Resources"),
            [("staff_posts", "funding_wan_yuan"), "support_measures"],
            None,
            None,
        ),
        (
            _("Review and decision"),
            [
                "state",
                ("submitted_at", "deadline"),
                ("legal_review", "legal_review_note"),
                ("decided_at", "decided_by"),
                ("decision_no", "published_on"),
                "decision_note",
                "revoked_on",
            ],
            None,
            _(
                "To enter a delegation decided earlier, choose its state and fill in the "
                "decision; it is first saved as a draft with its items and townships, then "
                "given that state."
            ),
        ),
        (
            _("History"),
            ["change_reason", ("created_by", "created_at", "updated_at")],
            None,
            None,
        ),
    ]

    def get_fieldsets(self, request, obj=None):
        """Every section is open on the add page; on a change page the sections of the other
        modes are collapsed."""
        mode = obj.mode if obj is not None else None
        fieldsets = []
        for title, fields, modes, description in self.sections:
            options = {"fields": fields}
            if description:
                options["description"] = description
            if mode is not None and modes is not None and mode not in modes:
                options["classes"] = ["collapse"]
            fieldsets.append((title, options))
        return fieldsets

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("duty_items", "townships")

    @admin.display(description=_("no."), ordering="pk")
    def number(self, obj):
        return obj.pk

    @admin.display(description=_("duty items"))
    def item_list(self, obj):
        items = list(obj.duty_items.all())
        names = "、".join(item.name for item in items[:3])
        return names + ("…" if len(items) > 3 else "")

    @admin.display(description=_("townships"))
    def township_list(self, obj):
        return "、".join(t.name for t in obj.townships.all())

    @admin.display(description=_("expired"), boolean=True)
    def expired(self, obj):
        return obj.is_expired

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        if obj.state in DECIDED_STATES and obj.decided_by_id is None:
            obj.decided_by = request.user
        if obj.state != Delegation.State.DRAFT and not self._stored_items_and_townships(obj):
            # The database refuses a non-draft delegation without items and townships: save
            # the row as a draft, and apply the chosen state once the m2m are saved.
            self._defer_state(obj, form)
        super().save_model(request, obj, form, change)

    @staticmethod
    def _defer_state(obj, form):
        state, revoked_on = obj.state, obj.revoked_on
        obj.state, obj.revoked_on = Delegation.State.DRAFT, None
        save_m2m = form.save_m2m

        def save_m2m_then_apply_state():
            save_m2m()
            obj.state, obj.revoked_on = state, revoked_on
            obj.save()

        # Called by save_related (change form) and by the history "revert" view alike.
        form.save_m2m = save_m2m_then_apply_state

    def save_formset(self, request, form, formset, change):
        if formset.model is TownshipOpinion:
            for opinion in formset.save(commit=False):
                if opinion.given_by_id is None:
                    opinion.given_by = request.user
                opinion.save()
            for opinion in formset.deleted_objects:
                opinion.delete()
            formset.save_m2m()
            return
        super().save_formset(request, form, formset, change)

    @staticmethod
    def _stored_items_and_townships(obj):
        return (
            obj.pk is not None
            and obj.duty_items.exists()
            and obj.townships.exists()
        )


@admin.register(Assignment)
class AssignmentAdmin(ChangeReasonAdminMixin, SimpleHistoryAdmin):
    form = AssignmentForm
    list_display = [
        "title",
        "department",
        "channel",
        "responsibility",
        "duty_item",
        "township_list",
        "assigned_on",
        "document_no",
        "recorded_by",
    ]
    list_filter = [
        "channel",
        "responsibility",
        "recorded_by",
        "department__county",
        ("department", admin.RelatedOnlyFieldListFilter),
        ("townships", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["department", "duty_item"]
    search_fields = [
        "title",
        "document_no",
        "department__code",
        "department__name",
        "department__short_name",
        "duty_item__code",
        "duty_item__name",
        "townships__code",
        "townships__name",
    ]
    autocomplete_fields = ["department", "townships", "duty_item", "reporting_township"]
    readonly_fields = ["created_by", "created_at"]
    date_hierarchy = "assigned_on"
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["department", "townships", "title", "duty_item"]}),
        (
            _("How it was handed down"),
            {
                "fields": [
                    "channel",
                    "responsibility",
                    ("document_no", "assigned_on"),
                    "description",
                ]
            },
        ),
        (
            _("Record"),
            {"fields": ["recorded_by", "reporting_township", "created_by", "created_at"]},
        ),
        (_("History"), {"fields": ["change_reason"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("townships")

    @admin.display(description=_("townships"))
    def township_list(self, obj):
        return "、".join(t.name for t in obj.townships.all())

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    search_fields = ["name"]
    date_hierarchy = "date"
