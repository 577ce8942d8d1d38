"""Serializers of delegations (the representation, the request body, each step's body) and of
assignments. The request body's fields are the workflow's ``REQUEST_FIELDS`` (the agreement
nested as ``agreement``); their types and length limits are the model's."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.limits import TEXT
from delegations import workflow
from delegations.api.shared import (
    CodeBodyMixin,
    CodeListField,
    StrictInputMixin,
    StrictSerializer,
    resolve_items,
    resolve_townships,
)
from delegations.models import Assignment, Delegation, Revocation, TownshipOpinion
from townships import access
from townships.api import CodeNameSerializer

# The request fields the API body carries at its top level (the agreement's are nested; an
# uploaded agreement file and ``derived_from`` are given through the pages and the admin).
AGREEMENT_FIELDS = {"agreement_scope": "scope", "agreement_powers": "powers",
                    "agreement_term_end": "term_end"}
BODY_FIELDS = [
    name for name in workflow.REQUEST_FIELDS
    if name not in AGREEMENT_FIELDS and name not in ("agreement_file", "derived_from")
]


def _text(**kwargs):
    return serializers.CharField(required=False, allow_blank=True, default="", **kwargs)


# --- Delegations: representation -------------------------------------------------------------


class ItemBriefSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    sub_item = serializers.CharField(read_only=True)
    category = serializers.CharField(read_only=True)


class AgreementOutSerializer(serializers.Serializer):
    scope = serializers.CharField(source="agreement_scope", read_only=True)
    powers = serializers.CharField(source="agreement_powers", read_only=True)
    term_end = serializers.DateField(source="agreement_term_end", read_only=True, allow_null=True)


class OpinionSerializer(serializers.ModelSerializer):
    township = CodeNameSerializer(read_only=True)

    class Meta:
        model = TownshipOpinion
        fields = ["township", "opinion", "text", "given_at", "response", "responded_at"]


class RevocationSerializer(serializers.ModelSerializer):
    townships = CodeNameSerializer(many=True, read_only=True)
    duty_items = CodeNameSerializer(many=True, read_only=True)

    class Meta:
        model = Revocation
        fields = ["revoked_on", "reason", "document_no", "partial", "townships", "duty_items"]


class WarningSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=["reclaimed", "already_listed", "other_department"], read_only=True
    )
    item = serializers.CharField(read_only=True, help_text=_("Item code."))
    townships = serializers.ListField(child=serializers.CharField(), read_only=True)
    lists = serializers.ListField(child=serializers.CharField(), read_only=True)
    message = serializers.CharField(read_only=True)


class DepartmentOpinionOutSerializer(serializers.Serializer):
    opinion = serializers.CharField(source="department_opinion", read_only=True,
                                    help_text=_("agree, object, or empty while it waits"))
    text = serializers.CharField(source="department_opinion_text", read_only=True)
    given_at = serializers.DateTimeField(source="department_opinion_at", read_only=True,
                                         allow_null=True)


class DelegationSerializer(serializers.ModelSerializer):
    """A delegation as the user may see it: the townships' opinions are those the user may
    read (a township its own only); ``warnings`` are the workflow's (``warnings_for``)."""

    department = CodeNameSerializer(read_only=True)
    county = CodeNameSerializer(source="department.county", read_only=True)
    duty_items = ItemBriefSerializer(many=True, read_only=True)
    townships = CodeNameSerializer(many=True, read_only=True)
    agreement = AgreementOutSerializer(source="*", read_only=True)
    opinions = OpinionSerializer(many=True, read_only=True, source="visible_opinions")
    revocations = RevocationSerializer(many=True, read_only=True)
    warnings = serializers.SerializerMethodField()
    claimed_by = CodeNameSerializer(read_only=True, allow_null=True, help_text=_(
        "The township that claimed these powers (认领); null for a department's request."))
    department_opinion = DepartmentOpinionOutSerializer(source="*", read_only=True, help_text=_(
        "A claim's opinion of the department holding the powers."))

    class Meta:
        model = Delegation
        fields = [
            "id",
            "county",
            "department",
            "claimed_by",
            "department_opinion",
            "mode",
            "state",
            "duty_items",
            "townships",
            "reason",
            "legal_basis",
            "provincial_decision",
            "agreement",
            "published_on",
            "staff_posts",
            "funding_wan_yuan",
            "support_measures",
            "effective_from",
            "effective_to",
            "submitted_at",
            "deadline",
            "legal_review",
            "legal_review_note",
            "decided_at",
            "decision_no",
            "decision_note",
            "revoked_on",
            "revocations",
            "derived_from",
            "opinions",
            "warnings",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(WarningSerializer(many=True))
    def get_warnings(self, obj):
        found = self.context.get("warnings")
        rows = found.get(obj.pk, []) if found is not None else workflow.warnings_for(obj)
        return [w.as_dict() for w in rows]


# --- Delegations: input ----------------------------------------------------------------------


class AgreementSerializer(serializers.Serializer):
    scope = _text(max_length=TEXT)
    powers = _text(max_length=TEXT)
    term_end = serializers.DateField(required=False, allow_null=True, default=None)


class DelegationCreateSerializer(CodeBodyMixin, StrictInputMixin, serializers.ModelSerializer):
    county = serializers.RegexField(
        r"^[0-9]{6}$",
        required=False,
        help_text=_("County code; needed only when the department code is used in several counties."),
    )
    department = serializers.CharField(max_length=32, help_text=_("Department code."))
    duty_items = CodeListField(allow_empty=False, help_text=_("Item codes of the department's county."))
    townships = CodeListField(allow_empty=False, help_text=_("Township codes."))
    agreement = AgreementSerializer(required=False, allow_null=True, default=None)
    submit = serializers.BooleanField(
        required=False, default=False, help_text=_("Submit at once instead of saving a draft.")
    )

    class Meta:
        model = Delegation
        fields = ["county", "department", *BODY_FIELDS, "agreement", "submit"]
        extra_kwargs = {
            "staff_posts": {"min_value": 0, "max_value": 100000},
            "funding_wan_yuan": {"min_value": 0},
        }

    def validate_duty_items(self, codes):
        department = self._department_or_none()
        if department is None:
            return codes  # the department's own error says why
        return resolve_items(self.context["request"], codes, department)

    def validate(self, attrs):
        """The keyword arguments of ``workflow.create_request``."""
        agreement = attrs.pop("agreement", None) or {}
        attrs.pop("county", None)
        for field, key in AGREEMENT_FIELDS.items():
            if key in agreement:
                attrs[field] = agreement[key]
        return attrs


CLAIM_BODY_FIELDS = [
    "mode", "duty_items", "reason", "legal_basis", "staff_posts", "funding_wan_yuan",
    "support_measures", "effective_from", "effective_to",
]


class ClaimCreateSerializer(CodeBodyMixin, StrictInputMixin, serializers.ModelSerializer):
    """A township's claim (认领) of powers a department of its county holds, for the user's
    own township; the department states the entrustment's terms with its opinion."""

    department = serializers.CharField(max_length=32, help_text=_(
        "Code of the department that holds the powers."))
    duty_items = CodeListField(allow_empty=False, help_text=_("Item codes of that department."))

    class Meta:
        model = Delegation
        fields = ["department", *CLAIM_BODY_FIELDS]
        extra_kwargs = {
            "staff_posts": {"min_value": 0, "max_value": 100000},
            "funding_wan_yuan": {"min_value": 0},
        }

    def validate_duty_items(self, codes):
        department = self._department_or_none()
        if department is None:
            return codes
        return resolve_items(self.context["request"], codes, department)


class DepartmentOpinionSerializer(StrictSerializer):
    opinion = serializers.ChoiceField(choices=TownshipOpinion.Opinion.choices)
    text = _text(max_length=TEXT, help_text=_("Required to object: why."))
    agreement = AgreementSerializer(required=False, allow_null=True, default=None, help_text=_(
        "Agreeing to an entrustment: the written agreement's scope, powers and term."))
    provincial_decision = _text(max_length=200, help_text=_(
        "Agreeing to a grant of penalty powers: the provincial decision."))

    def validate(self, attrs):
        """The keyword arguments of ``workflow.give_department_opinion``."""
        agreement = attrs.pop("agreement", None) or {}
        terms = {field: agreement[key] for field, key in AGREEMENT_FIELDS.items() if key in agreement}
        if attrs.get("provincial_decision"):
            terms["provincial_decision"] = attrs["provincial_decision"]
        attrs.pop("provincial_decision", None)
        return {**attrs, **terms}


class WithdrawSerializer(StrictSerializer):
    comment = _text(max_length=TEXT)


class OpinionInputSerializer(StrictSerializer):
    township = serializers.CharField(
        required=False,
        max_length=9,
        help_text=_("Township code; a township user may leave it out (their own township)."),
    )
    opinion = serializers.ChoiceField(choices=TownshipOpinion.Opinion.choices)
    text = _text(max_length=TEXT)

    def validate(self, attrs):
        request = self.context["request"]
        code = attrs.get("township")
        if not code:
            township = access.township_of(request.user)
            if township is None:
                raise serializers.ValidationError(
                    {"township": [gettext("This field is required.")]}
                )
            code = township.code
        try:
            attrs["township"] = resolve_townships(request, [code])[0]
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"township": error.detail})
        return attrs


class RespondSerializer(StrictSerializer):
    township = serializers.CharField(max_length=9, help_text=_("Code of the objecting township."))
    response = serializers.CharField(max_length=TEXT, help_text=_("The office's written answer."))

    def validate_township(self, code):
        return resolve_townships(self.context["request"], [code])[0]


LEGAL_REVIEW_CHOICES = [
    (Delegation.LegalReview.PASSED, Delegation.LegalReview.PASSED.label),
    (Delegation.LegalReview.FAILED, Delegation.LegalReview.FAILED.label),
]


class ReviewSerializer(StrictSerializer):
    result = serializers.ChoiceField(choices=LEGAL_REVIEW_CHOICES)
    note = _text(max_length=TEXT)


class DecideSerializer(StrictSerializer):
    decision = serializers.ChoiceField(choices=[("approve", _("approve")), ("reject", _("reject"))])
    decision_no = _text(max_length=100)
    note = _text(max_length=TEXT)
    legal_review = serializers.ChoiceField(
        choices=Delegation.LegalReview.choices,  # the model's set ("pending" is refused)
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Record the legality review with the decision (an approval needs it passed)."),
    )
    legal_review_note = _text(max_length=TEXT)
    end_reclaimed_reason = _text(
        max_length=TEXT,
        help_text=_("Needed to approve an item on a township's reclaimed list: why its reclaimed "
                    "entry ends."),
    )


class RevokeSerializer(StrictSerializer):
    revoked_on = serializers.DateField(required=False, allow_null=True, default=None)
    reason = _text(max_length=TEXT, help_text=_("Why it is revoked (required)."))
    document_no = _text(max_length=100, help_text=_("The revocation document number (required)."))
    note = _text(max_length=TEXT, help_text=_("Former name of reason."))
    townships = CodeListField(
        required=False, allow_empty=False, default=None,
        help_text=_("Revoke for these township codes only (default: all)."),
    )
    duty_items = CodeListField(
        required=False, allow_empty=False, default=None,
        help_text=_("Revoke these item codes only (default: all)."),
    )

    def validate(self, attrs):
        delegation = self.context["delegation"]
        request = self.context["request"]
        errors = {}
        if attrs.get("townships") is not None:
            try:
                attrs["townships"] = resolve_townships(request, attrs["townships"])
            except serializers.ValidationError as error:
                errors["townships"] = error.detail
        if attrs.get("duty_items") is not None:
            try:
                attrs["duty_items"] = resolve_items(
                    request, attrs["duty_items"], delegation.department
                )
            except serializers.ValidationError as error:
                errors["duty_items"] = error.detail
        if errors:
            raise serializers.ValidationError(errors)
        attrs["reason"] = attrs["reason"] or attrs.pop("note", "")
        attrs.pop("note", None)
        return attrs


# --- Assignments -----------------------------------------------------------------------------


class AssignmentSerializer(serializers.ModelSerializer):
    department = CodeNameSerializer(read_only=True)
    county = CodeNameSerializer(source="department.county", read_only=True)
    townships = CodeNameSerializer(many=True, read_only=True)
    duty_item = CodeNameSerializer(read_only=True, allow_null=True)
    reporting_township = CodeNameSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "county",
            "department",
            "townships",
            "title",
            "duty_item",
            "channel",
            "responsibility",
            "document_no",
            "assigned_on",
            "description",
            "recorded_by",
            "reporting_township",
            "created_at",
        ]
        read_only_fields = fields


class AssignmentCreateSerializer(CodeBodyMixin, StrictInputMixin, serializers.ModelSerializer):
    county = serializers.RegexField(
        r"^[0-9]{6}$",
        required=False,
        help_text=_("County code; needed only when the department code is used in several counties."),
    )
    department = serializers.CharField(max_length=32, help_text=_("Department code."))
    townships = CodeListField(allow_empty=False, help_text=_("Township codes."))
    duty_item = serializers.CharField(
        max_length=64, required=False, allow_null=True, default=None,
        help_text=_("Item code in the department's county, or null for a task with no item."),
    )
    responsibility = serializers.ChoiceField(
        choices=Assignment.Responsibility.choices,
        required=False,
        help_text=_(
            "Default: cooperate when a department or the office logs it, main when a township "
            "reports it."
        ),
    )

    class Meta:
        model = Assignment
        fields = [
            "county", "department", "townships", "title", "duty_item", "channel",
            "responsibility", "document_no", "assigned_on", "description",
        ]

    def validate_duty_item(self, code):
        if not code:
            return None
        department = self._department_or_none()
        if department is None:
            return code  # the department's own error says why
        return resolve_items(self.context["request"], [code], department)[0]

    def validate(self, attrs):
        """The keyword arguments of ``assignments.record_assignment``."""
        attrs.pop("county", None)
        attrs.setdefault("responsibility", None)
        return attrs
