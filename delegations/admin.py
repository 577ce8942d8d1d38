"""Admin for delegations (赋权/委托/交办), township opinions, assignments and the calendar
(节假日与调休工作日: loaded from the State Council's notices, kept by the office).

A delegation's life is the workflow's (``delegations.workflow``): the admin never writes its
state, decision or revocation itself.

- The add page records a decision taken on paper (``workflow.record_paper_decision``): the
  request's fields, the decision's number and its own date. The workflow's rules apply (a 委托
  of a 行政强制 item is refused with its message) and the items go on the lists.
- The change page shows the record read-only, with its opinions and revocations.
- The steps the office takes are admin actions on the selected delegations (legality review,
  decision, revocation), each asking for what the step needs and calling the workflow.

Every admin is scoped to what the user may write (``townships.admin_scope.ScopedAdminMixin``):
an office user of one county sees and acts on that county's delegations and assignments only.
"""

from django import forms as django_forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from delegations import workflow
from delegations.forms import AssignmentForm, PaperDecisionForm
from delegations.models import Assignment, CalendarDay, Delegation, Revocation, TownshipOpinion
from delegations.web import forms as page_forms
from duties.admin import ChangeReasonAdminMixin, HistoryAdmin
from duties.forms import ChangeReasonForm
from townships.admin_scope import ScopedAdminMixin, ScopedChoicesMixin


class RecordForm(django_forms.ModelForm):
    """The change page's form: the record is shown read-only, nothing is posted back."""

    class Meta:
        model = Delegation
        fields = []


class ReadOnlyInline(ScopedChoicesMixin, admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TownshipOpinionInline(ReadOnlyInline):
    """Opinions are given by the townships (pages, API) and answered by the office there."""

    model = TownshipOpinion
    fields = ["township", "opinion", "text", "given_by", "given_at", "response", "responded_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("township", "given_by")


class RevocationInline(ReadOnlyInline):
    model = Revocation
    fields = ["revoked_on", "document_no", "reason", "partial", "recorded_by", "recorded_at"]
    readonly_fields = fields


# The admin's step actions: (form on the intermediate page, workflow call, success message).
def _review(user, delegation, form):
    data = form.cleaned_data
    workflow.record_legal_review(user, delegation, data["result"], note=data["note"])


def _decide(user, delegation, form):
    workflow.decide_request(user, delegation, form.cleaned_data["decision"], **form.workflow_kwargs())


def _revoke(user, delegation, form):
    workflow.revoke_delegation(user, delegation, **form.workflow_kwargs())


class AdminRevokeForm(page_forms.RevokeForm):
    """A whole revocation of each selected delegation (partial ones: on the request page)."""

    townships = None
    duty_items = None

    def workflow_kwargs(self):
        data = self.cleaned_data
        return {key: data[key] for key in ("revoked_on", "reason", "document_no")}


STEP_ACTIONS = {
    "review": (page_forms.LegalReviewForm, _review, _("Legality review recorded")),
    "decide": (page_forms.DecisionForm, _decide, _("Decision recorded")),
    "revoke": (AdminRevokeForm, _revoke, _("Revoked")),
}


class AdminPaperDecisionForm(PaperDecisionForm):
    """The paper decision's form, its date's help showing an example date rather than the
    format's Latin letters."""

    decided_on = django_forms.DateField(
        label=_("decided on"), help_text=_("The day the decision was taken, e.g. 2025-01-31.")
    )


@admin.register(Delegation)
class DelegationAdmin(ScopedAdminMixin, HistoryAdmin):
    form = AdminPaperDecisionForm
    inlines = [TownshipOpinionInline, RevocationInline]
    actions = ["record_legal_review", "record_decision", "revoke"]
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
            _("For the whole request: every item and township together."),
        ),
    ]
    paper_section = (
        _("The decision taken on paper"),
        [("decision_no", "decided_on"), "published_on", "decision_note", "end_reclaimed_reason"],
        None,
        _(
            "Record a delegation the county decided outside qingdan: its decision document and "
            "the day it was taken. The same rules as an approval apply, and its items go on the "
            "townships' lists. Requests of departments are filed and decided on the request pages."
        ),
    )
    record_section = (
        _("Review and decision"),
        [
            "state",
            ("submitted_at", "deadline"),
            ("legal_review", "legal_review_note"),
            ("decided_at", "decided_by"),
            ("decision_no", "published_on"),
            "decision_note",
            "revoked_on",
            "request_page",
            ("created_by", "created_at", "updated_at"),
        ],
        None,
        _("Kept by the workflow: use the actions of the list, or the request page."),
    )

    def get_fieldsets(self, request, obj=None):
        """On the add page every section is open; on a change page the sections of the other
        modes are collapsed."""
        mode = obj.mode if obj is not None else None
        last = self.record_section if obj is not None else self.paper_section
        fieldsets = []
        for title, fields, modes, description in [*self.sections, last]:
            options = {"fields": fields}
            if description:
                options["description"] = description
            if mode is not None and modes is not None and mode not in modes:
                options["classes"] = ["collapse"]
            fieldsets.append((title, options))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        """A recorded delegation is read-only: its life is the workflow's."""
        if obj is None:
            return []
        return [
            *(f.name for f in Delegation._meta.fields if f.name != "id"),
            *(f.name for f in Delegation._meta.many_to_many),
            "request_page",
        ]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("duty_items", "townships")

    def has_delete_permission(self, request, obj=None):
        return False  # drafts are discarded by their department; records stay

    def has_change_history_permission(self, request, obj=None):
        return False  # no "revert": an old version is read, never saved back

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self.get_object(request, object_id)  # 404 outside the user's scope, POST or not
        if request.method == "POST":
            self.message_user(
                request,
                _("A recorded delegation changes only through the workflow's steps (the actions "
                  "of the list, or the request page)."),
                messages.WARNING,
            )
            return HttpResponseRedirect(request.path)
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["form"] = RecordForm  # every field read-only: the paper fields do not apply
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            form.user = request.user
        return form

    def save_model(self, request, obj, form, change):
        """Nothing to save: the add form recorded the decision through the workflow as its
        last validation step, and a change page is read-only."""

    def save_related(self, request, form, formsets, change):
        """Nothing: the workflow wrote the items and townships."""

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

    @admin.display(description=_("request page"))
    def request_page(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("requests:detail", args=[obj.pk]), _("open the request page")
        )

    # ------------------------------------------------------------------ step actions

    def _run_step(self, request, queryset, key, title):
        form_class, call, done = STEP_ACTIONS[key]
        if "apply" in request.POST:
            form = form_class(request.POST)
            if form.is_valid():
                ok, refused = [], []
                for delegation in queryset.select_related("department__county"):
                    try:
                        call(request.user, delegation, form)
                    except (ValidationError, PermissionDenied) as error:
                        messages_of = getattr(error, "messages", None) or [str(error)]
                        refused.append(f"{delegation.pk}: {' '.join(messages_of)}")
                    else:
                        ok.append(str(delegation.pk))
                if ok:
                    self.message_user(request, f"{done}: {'、'.join(ok)}", messages.SUCCESS)
                for line in refused:
                    self.message_user(request, line, messages.ERROR)
                return None
        else:
            form = form_class()
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "delegations": queryset,
            "action": request.POST.get("action"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/delegations/step_action.html", context)

    @admin.action(description=_("Record the legality review of the selected requests"))
    def record_legal_review(self, request, queryset):
        return self._run_step(request, queryset, "review", _("Record the legality review"))

    @admin.action(description=_("Approve or reject the selected requests"))
    def record_decision(self, request, queryset):
        return self._run_step(request, queryset, "decide", _("Approve or reject"))

    @admin.action(description=_("Revoke the selected delegations"))
    def revoke(self, request, queryset):
        return self._run_step(request, queryset, "revoke", _("Revoke"))


@admin.register(Assignment)
class AssignmentAdmin(ScopedAdminMixin, ChangeReasonAdminMixin, HistoryAdmin):
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


class CalendarDayForm(ChangeReasonForm):
    """A calendar day as the office sets it; why it changes is kept in the history."""

    change_reason_required = True

    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "name"]


@admin.register(CalendarDay)
class CalendarDayAdmin(ScopedAdminMixin, ChangeReasonAdminMixin, HistoryAdmin):
    """The calendar comes filled with the State Council's notices (``delegations.holidays``);
    a day the office adds or changes here is its own (``notice`` cleared), which loading the
    notices again keeps."""

    form = CalendarDayForm
    list_display = ["date", "kind", "name", "notice"]
    list_filter = ["kind", ("notice", admin.EmptyFieldListFilter)]
    search_fields = ["name", "notice"]
    date_hierarchy = "date"
    readonly_fields = ["notice"]

    def save_model(self, request, obj, form, change):
        if set(form.changed_data) & set(CalendarDayForm.Meta.fields):
            obj.notice = ""
        super().save_model(request, obj, form, change)
