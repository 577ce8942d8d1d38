"""Forms of the request pages. They check the shape of what was typed (types, dates, files);
every business rule is checked by ``delegations.workflow`` and shown per field."""

import copy

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance
from django.template import loader
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from config.limits import LONG_TEXT, SHORT_TEXT, TEXT
from delegations import workflow
from delegations.models import Assignment, Delegation, TownshipOpinion
from duties.models import DutyItem
from townships.models import Township, TownshipCategory


def model_label(model, name):
    return capfirst(model._meta.get_field(name).verbose_name)


def add_errors(form, error):
    """Attach a ValidationError (e.g. a WorkflowError) to the form: each message to its field
    where the form has one, the rest to the whole form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ItemPickerWidget(forms.Widget):
    """Catalog items picked by search as you type (static/js/requests.js).

    Renders the items already picked as ticked boxes (unticking one drops it) and a search box
    that queries ``url``; without JavaScript the picked items still post back.
    """

    template_name = "requests/widgets/item_picker.html"

    def __init__(self, attrs=None, *, multiple=True):
        super().__init__(attrs)
        self.multiple = multiple
        self.queryset = DutyItem.objects.none()
        self.url = ""

    def value_from_datadict(self, data, files, name):
        if self.multiple:
            return data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return False  # nothing ticked means "no items", not "field left out"

    def format_value(self, value):
        if value in (None, ""):
            return []
        values = value if isinstance(value, (list, tuple)) else [value]
        return [str(v.pk if hasattr(v, "pk") else v) for v in values]

    def render(self, name, value, attrs=None, renderer=None):
        """Rendered with the project's template engine (templates/requests/widgets/)."""
        context = self.get_context(name, value, attrs)
        return mark_safe(loader.render_to_string(self.template_name, context))

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        ids = [v for v in self.format_value(value) if str(v).isdigit()]
        picked = list(self.queryset.filter(pk__in=ids).select_related("department")) if ids else []
        context["widget"].update(
            {"picked": picked, "url": self.url, "multiple": self.multiple}
        )
        return context


def item_choice_label(item):
    label = f"{item.code} {item.name}"
    if item.sub_item:
        label += f"（{item.sub_item}）"
    return label


class TownshipChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_category_display()}）"


class TownshipScopeMixin:
    """Townships ticked one by one, or every township of a category (一般/较大/特大)."""

    def _setup_townships(self, county):
        self.county = county
        self.fields["townships"].queryset = Township.objects.filter(county=county).order_by("code")

    def clean_townships_with_categories(self):
        townships = list(self.cleaned_data.get("townships") or [])
        categories = self.cleaned_data.get("township_categories") or []
        if categories:
            chosen = {t.pk for t in townships}
            for township in self.fields["townships"].queryset.filter(category__in=categories):
                if township.pk not in chosen:
                    townships.append(township)
                    chosen.add(township.pk)
        return townships


class WorkflowModelForm(forms.ModelForm):
    """A ModelForm of a delegation that never saves: the view hands ``workflow_kwargs()`` to
    the workflow. The model's field validators (lengths, choices, the agreement file) run on
    a copy of the instance (nothing is written; a request keeps its stored values); its
    constraints and the business rules are the workflow's, with per-field messages."""

    def _post_clean(self):
        instance = copy.copy(self.instance)
        construct_instance(self, instance, self._meta.fields, self._meta.exclude)
        try:
            instance.clean_fields(exclude=self._get_validation_exclusions())
        except ValidationError as error:
            self._update_errors(error)

    def save(self, commit=True):
        raise NotImplementedError("The workflow writes delegations: use workflow_kwargs().")


class RequestForm(TownshipScopeMixin, WorkflowModelForm):
    """A department's delegation request: a ModelForm of the workflow's ``REQUEST_FIELDS``
    (the types, labels and length limits are the model's). It never saves: the view hands
    ``workflow_kwargs()`` to ``workflow.create_request`` / ``update_draft``."""

    SUBMIT = "submit"
    DRAFT = "draft"

    item_codes = forms.CharField(
        label=_("Or type item codes"),
        required=False,
        max_length=SHORT_TEXT * 10,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One catalog item code per line (for use without the search box)."),
    )
    township_categories = forms.MultipleChoiceField(
        label=_("All townships of a category"),
        choices=TownshipCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Adds every township of the ticked categories to the townships above."),
    )
    agreement_file_clear = forms.BooleanField(
        label=_("Remove the uploaded agreement file"), required=False
    )

    class Meta:
        model = Delegation
        # derived_from is set through the admin's paper decisions, not by departments.
        fields = [name for name in workflow.REQUEST_FIELDS if name != "derived_from"]
        field_classes = {"townships": TownshipChoiceField}
        widgets = {
            "mode": forms.RadioSelect,
            "duty_items": ItemPickerWidget,
            "townships": forms.CheckboxSelectMultiple,
            "reason": forms.Textarea(attrs={"rows": 3}),
            "legal_basis": forms.Textarea(attrs={"rows": 2}),
            "agreement_scope": forms.Textarea(attrs={"rows": 2}),
            "agreement_powers": forms.Textarea(attrs={"rows": 2}),
            "support_measures": forms.Textarea(attrs={"rows": 2}),
            "agreement_file": forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
            "agreement_term_end": DateInput,
            "published_on": DateInput,
            "effective_from": DateInput,
            "effective_to": DateInput,
        }
        help_texts = {
            "duty_items": _("Type part of an item's name or code and pick it from the matches."),
            "reason": _("Why the townships should take this on. Needed when an item belongs to "
                        "another department."),
            "provincial_decision": _("For a grant (赋权) of penalty powers: the provincial "
                                     "decision that grants them (行政处罚法 第二十四条)."),
            "agreement_scope": _("For an entrustment (委托): the items the written agreement covers."),
            "agreement_powers": _("For an entrustment: the powers the township may exercise in the "
                                  "department's name."),
            "agreement_file": _("Optional: the signed agreement as a PDF of at most 10 MB."),
        }

    field_order = [
        "mode", "duty_items", "item_codes", "townships", "township_categories", "reason",
        "legal_basis", "provincial_decision", "agreement_scope", "agreement_powers",
        "agreement_term_end", "agreement_file", "agreement_file_clear", "published_on",
        "staff_posts", "funding_wan_yuan", "support_measures", "effective_from", "effective_to",
    ]

    def __init__(self, *args, department, items, search_url="", instance=None, **kwargs):
        super().__init__(*args, instance=instance or Delegation(department=department), **kwargs)
        self.department = department
        self.is_new = instance is None
        if self.is_new and not self.initial.get("effective_from"):
            self.initial["effective_from"] = timezone.localdate()
        for name in ("duty_items", "townships"):
            self.fields[name].required = False  # a draft may leave them out; submit checks
        self.fields["mode"].choices = Delegation.Mode.choices  # no blank choice
        self.fields["staff_posts"].min_value = 0
        self.fields["funding_wan_yuan"].min_value = 0
        self.fields["duty_items"].queryset = items
        widget = self.fields["duty_items"].widget
        widget.queryset = items
        widget.url = search_url
        self._setup_townships(department.county)

    def clean(self):
        cleaned = super().clean()
        items = list(cleaned.get("duty_items") or [])
        codes = [c.strip() for c in (cleaned.get("item_codes") or "").split() if c.strip()]
        if codes:
            found = {i.code: i for i in self.fields["duty_items"].queryset.filter(code__in=codes)}
            missing = [c for c in codes if c not in found]
            if missing:
                self.add_error(
                    "item_codes",
                    _("No catalog item has the code %(codes)s.") % {"codes": "、".join(missing)},
                )
            have = {i.pk for i in items}
            items += [found[c] for c in codes if c in found and found[c].pk not in have]
        cleaned["duty_items"] = items
        cleaned["townships"] = self.clean_townships_with_categories()
        return cleaned


    def workflow_kwargs(self):
        """The keyword arguments of ``workflow.create_request`` / ``update_draft``: a new
        upload replaces the agreement file, the "remove" box clears it, otherwise it stays."""
        data = {name: self.cleaned_data.get(name) for name in self._meta.fields
                if name != "agreement_file"}
        if self.files.get("agreement_file"):
            data["agreement_file"] = self.cleaned_data["agreement_file"]
        elif self.cleaned_data.get("agreement_file_clear") and not self.is_new:
            data["agreement_file"] = None
        return data


class DetailPageForm(forms.Form):
    """The detail page holds several forms: each gets its own id prefix (names unchanged)."""

    id_prefix = "form"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class OpinionForm(DetailPageForm):
    id_prefix = "opinion"
    opinion = forms.ChoiceField(
        label=model_label(TownshipOpinion, "opinion"),
        choices=TownshipOpinion.Opinion.choices,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=model_label(TownshipOpinion, "text"),
        required=False,
        max_length=TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("An objection must say why."),
    )


class DepartmentOpinionForm(DetailPageForm):
    """The opinion of the department holding the powers a township claims: agreeing, it
    states the terms only it can (an entrustment's written agreement, a grant's provincial
    decision)."""

    id_prefix = "department-opinion"
    opinion = forms.ChoiceField(
        label=_("Your department's opinion"),
        choices=TownshipOpinion.Opinion.choices,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("Reasons"),
        required=False,
        max_length=TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("An objection must say why."),
    )
    agreement_scope = forms.CharField(
        label=model_label(Delegation, "agreement_scope"), required=False, max_length=TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For an entrustment (委托): the items the written agreement covers."),
    )
    agreement_powers = forms.CharField(
        label=model_label(Delegation, "agreement_powers"), required=False, max_length=TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For an entrustment: the powers the township may exercise in the "
                    "department's name."),
    )
    agreement_term_end = forms.DateField(
        label=model_label(Delegation, "agreement_term_end"), required=False, widget=DateInput,
    )
    provincial_decision = forms.CharField(
        label=model_label(Delegation, "provincial_decision"), required=False, max_length=SHORT_TEXT,
        help_text=_("For a grant (赋权) of penalty powers: the provincial decision that grants "
                    "them (行政处罚法 第二十四条)."),
    )

    def __init__(self, *args, delegation=None, **kwargs):
        super().__init__(*args, **kwargs)
        if delegation is not None and delegation.mode != Delegation.Mode.ENTRUST:
            for name in ("agreement_scope", "agreement_powers", "agreement_term_end"):
                del self.fields[name]
        if delegation is not None and delegation.mode != Delegation.Mode.GRANT:
            del self.fields["provincial_decision"]

    def workflow_kwargs(self):
        """The keyword arguments of ``workflow.give_department_opinion``."""
        data = dict(self.cleaned_data)
        terms = {name: data.pop(name) for name in workflow.CLAIM_TERMS if name in data}
        if data["opinion"] == "agree":
            data.update(terms)
        return data


class ClaimForm(WorkflowModelForm):
    """A township's claim (认领) of powers a department of its county holds: a ModelForm of
    the request's fields a township can state. It never saves (``workflow.file_claim``)."""

    class Meta:
        model = Delegation
        fields = ["department", "mode", "duty_items", "reason", "legal_basis",
                  "support_measures", "effective_from"]
        widgets = {
            "mode": forms.RadioSelect,
            "duty_items": ItemPickerWidget,
            "reason": forms.Textarea(attrs={"rows": 3}),
            "legal_basis": forms.Textarea(attrs={"rows": 2}),
            "support_measures": forms.Textarea(attrs={"rows": 2}),
            "effective_from": DateInput,
        }
        labels = {"department": _("Department that holds the powers")}
        help_texts = {
            "duty_items": _("Type part of an item's name or code and pick it from the matches."),
            "reason": _("Why your township wants to take this on (local conditions, demand, "
                        "staff able to do it)."),
            "mode": _("Grant (赋权) or entrustment (委托): the department states the written "
                      "terms with its opinion."),
        }

    def __init__(self, *args, county, items, search_url="", **kwargs):
        super().__init__(*args, **kwargs)
        from townships.models import Department

        self.fields["department"].queryset = Department.objects.filter(county=county).order_by("code")
        self.fields["mode"].choices = [c for c in Delegation.Mode.choices
                                       if c[0] != Delegation.Mode.ASSIGN]
        self.fields["duty_items"].queryset = items
        widget = self.fields["duty_items"].widget
        widget.queryset = items
        widget.url = search_url
        self.fields["reason"].required = True
        if not self.initial.get("effective_from"):
            self.initial["effective_from"] = timezone.localdate()


    def workflow_kwargs(self):
        return {name: self.cleaned_data.get(name) for name in self._meta.fields}


class ResponseForm(DetailPageForm):
    """The office's written answer to one township's objection."""

    id_prefix = "response"
    township = forms.IntegerField(widget=forms.HiddenInput)
    response = forms.CharField(
        label=model_label(TownshipOpinion, "response"),
        max_length=TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed before approval; the objecting township reads it."),
    )


class LegalReviewForm(DetailPageForm):
    id_prefix = "review"
    result = forms.ChoiceField(
        label=model_label(Delegation, "legal_review"),
        choices=[(Delegation.LegalReview.PASSED, Delegation.LegalReview.PASSED.label),
                 (Delegation.LegalReview.FAILED, Delegation.LegalReview.FAILED.label)],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=model_label(Delegation, "legal_review_note"),
        required=False,
        max_length=TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DecisionForm(DetailPageForm):
    id_prefix = "decision"
    APPROVE = "approve"
    REJECT = "reject"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(APPROVE, _("approve")), (REJECT, _("reject"))],
        widget=forms.RadioSelect,
    )
    decision_no = forms.CharField(
        label=model_label(Delegation, "decision_no"),
        required=False,
        max_length=100,
        help_text=_("Needed to approve: the number of the decision document."),
    )
    note = forms.CharField(
        label=_("Note or reason"),
        required=False,
        max_length=TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed to reject: the reason, which the department will see."),
    )
    legal_review_passed = forms.BooleanField(
        label=_("The legality review (合法性审查) passed: record it with this decision"),
        required=False,
    )
    end_reclaimed_reason = forms.CharField(
        label=_("Why the reclaimed entries end"),
        required=False,
        max_length=TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed to approve an item on a township's reclaimed list (收回清单): the "
                    "approval ends that entry for these townships."),
    )

    def workflow_kwargs(self):
        data = self.cleaned_data
        return {
            "decision_no": data["decision_no"],
            "note": data["note"],
            "legal_review": Delegation.LegalReview.PASSED if data["legal_review_passed"] else None,
            "end_reclaimed_reason": data["end_reclaimed_reason"],
        }


class RevokeForm(DetailPageForm):
    """A revocation: of the whole delegation, or of the townships or items ticked."""

    id_prefix = "revoke"
    revoked_on = forms.DateField(
        label=model_label(Delegation, "revoked_on"), widget=DateInput, initial=timezone.localdate
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )
    document_no = forms.CharField(label=_("Revocation document no."), max_length=100)
    townships = forms.ModelMultipleChoiceField(
        label=_("Only these townships"),
        queryset=Township.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to revoke for every township."),
    )
    duty_items = forms.ModelMultipleChoiceField(
        label=_("Only these items"),
        queryset=DutyItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to revoke every item."),
    )

    def __init__(self, *args, delegation=None, **kwargs):
        super().__init__(*args, **kwargs)
        if delegation is not None:
            self.fields["townships"].queryset = delegation.townships.order_by("code")
            self.fields["duty_items"].queryset = delegation.duty_items.order_by("code")
            self.fields["duty_items"].label_from_instance = item_choice_label

    def workflow_kwargs(self):
        data = self.cleaned_data
        return {
            "revoked_on": data["revoked_on"],
            "reason": data["reason"],
            "document_no": data["document_no"],
            "townships": list(data["townships"]) or None,
            "duty_items": list(data["duty_items"]) or None,
        }


class AssignmentForm(TownshipScopeMixin, forms.Form):
    """Work a department hands to townships, logged by the department itself."""

    title = forms.CharField(label=model_label(Assignment, "title"), max_length=300)
    duty_item = forms.ModelChoiceField(
        label=model_label(Assignment, "duty_item"),
        queryset=DutyItem.objects.none(),
        required=False,
        widget=ItemPickerWidget(multiple=False),
        help_text=_("If the work is a catalog item, pick it; otherwise leave this empty."),
    )
    townships = TownshipChoiceField(
        label=model_label(Assignment, "townships"),
        queryset=Township.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    township_categories = RequestForm.declared_fields["township_categories"]
    channel = forms.ChoiceField(
        label=model_label(Assignment, "channel"), choices=Assignment.Channel.choices
    )
    responsibility = forms.ChoiceField(
        label=model_label(Assignment, "responsibility"),
        choices=Assignment.Responsibility.choices,
        initial=Assignment.Responsibility.COOPERATE,
    )
    document_no = forms.CharField(
        label=model_label(Assignment, "document_no"), required=False, max_length=100
    )
    assigned_on = forms.DateField(
        label=model_label(Assignment, "assigned_on"), widget=DateInput, initial=timezone.localdate
    )
    description = forms.CharField(
        label=model_label(Assignment, "description"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, department, items, search_url="", **kwargs):
        super().__init__(*args, **kwargs)
        self.department = department
        self.fields["duty_item"].queryset = items
        widget = self.fields["duty_item"].widget
        widget.queryset = items
        widget.url = search_url
        self._setup_townships(department.county)

    def clean(self):
        cleaned = super().clean()
        cleaned["townships"] = self.clean_townships_with_categories()
        return cleaned
