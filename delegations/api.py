"""REST API v1: delegations (with their workflow steps), assignments and flags.

Thin layer: requests are parsed and codes resolved here; every rule (who may do what, which
state allows which step, what a flag is) lives in delegations.workflow, delegations.flags and
townships.access, whose errors the project's exception handler turns into 400/403/404/409.
"""

import re

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, mixins, permissions, serializers, status, views, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from config.api import Pagination
from delegations import assignments, workflow
from delegations import flags as flag_engine
from delegations.models import Assignment, Delegation, TownshipOpinion
from duties.models import DutyItem
from townships import access
from townships.api import (
    CodeFilterSet,
    CodeNameSerializer,
    bad_parameter,
    check_code_exists,
    find_department,
    is_code_like,
    scoped,
)
from townships.models import County, Department, Township

ERROR_RESPONSES = {
    400: OpenApiResponse(description=_("Invalid input: `errors` names each parameter or field.")),
    403: OpenApiResponse(description=_("Not signed in, or outside your scope.")),
    404: OpenApiResponse(description=_("Unknown id or code, or not visible to you.")),
}
ID_PATH = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)
STEP_RESPONSES = {**ERROR_RESPONSES, 409: OpenApiResponse(description=_("Wrong state for this step."))}


# --- Shared input helpers --------------------------------------------------------------------


class StrictSerializer(serializers.Serializer):
    """An input serializer that refuses fields it does not know (a typo is a 400, not ignored)."""

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, dict) else []
        unknown_errors = {name: [gettext("Unknown field.")] for name in unknown}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if isinstance(error.detail, dict):
                error.detail.update(unknown_errors)
            raise
        if unknown_errors:
            raise serializers.ValidationError(unknown_errors)
        return value


def user_county_code(user):
    """The county a user works in (for resolving department and item codes), if any."""
    profile = access.profile_of(user)
    if profile is None:
        return None
    for unit in (profile.department, profile.township):
        if unit is not None:
            return unit.county.code
    return profile.county.code if profile.county_id else None


class CodeListField(serializers.ListField):
    child = serializers.CharField(max_length=64)


def resolve_townships(request, codes):
    """Townships by code (visible to the user), in the given order; unknown codes raise a
    field error listing them."""
    found = {
        t.code: t
        for t in scoped(request, Township.objects.filter(code__in=codes)).select_related("county")
    }
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise serializers.ValidationError(
            gettext("Unknown township code(s): %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    return [found[code] for code in dict.fromkeys(codes)]


def resolve_items(request, codes, department):
    """Catalog items by code in the department's county; unknown codes raise a field error."""
    found = {
        i.code: i
        for i in scoped(
            request, DutyItem.objects.filter(county_id=department.county_id, code__in=codes)
        )
    }
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise serializers.ValidationError(
            gettext("Unknown item code(s) in %(county)s: %(codes)s.")
            % {"county": department.county.name, "codes": ", ".join(unknown)}
        )
    return [found[code] for code in dict.fromkeys(codes)]


class CodeBodyMixin:
    """An input serializer whose body names a department, townships and items by code.

    Department and item codes are unique within a county only; the county is taken from the
    body's ``county``, else the user's own county, else the county of the townships named
    in the body (when they all lie in one). Each field is resolved by its own validator, so
    a body with several bad fields gets an error for each.
    """

    def _body(self):
        return self.initial_data if isinstance(self.initial_data, dict) else {}

    def _county_hint(self):
        if not hasattr(self, "_county_hint_value"):
            body = self._body()
            county = body.get("county")
            if not (isinstance(county, str) and re.fullmatch(r"[0-9]{6}", county)):
                county = None  # a malformed county is the county field's own error
            county = county or user_county_code(self.context["request"].user)
            if not county:
                codes = body.get("townships")
                codes = [c for c in codes if is_code_like(c)] if isinstance(codes, list) else []
                townships = scoped(self.context["request"], Township.objects.filter(code__in=codes))
                counties = set(townships.values_list("county__code", flat=True))
                county = counties.pop() if len(counties) == 1 else None
            self._county_hint_value = county
        return self._county_hint_value

    def _find_department(self, code):
        try:
            return find_department(self.context["request"], code, self._county_hint())
        except exceptions.ValidationError as error:
            raise serializers.ValidationError(error.detail["department"])

    def _department_or_none(self):
        code = self._body().get("department")
        if not is_code_like(code) or not code:
            return None
        try:
            return self._find_department(code)
        except serializers.ValidationError:
            return None

    def validate_department(self, code):
        return self._find_department(code)

    def validate_townships(self, codes):
        return resolve_townships(self.context["request"], codes)


def as_ref(value):
    """{code, name} of a model instance (or a dict already shaped so), None for None."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {"code": value.get("code"), "name": value.get("name")}
    return {"code": value.code, "name": value.name}


def as_id(value):
    if value is None or isinstance(value, int):
        return value
    return getattr(value, "pk", value)


class CountyFilterMixin:
    def filter_county(self, queryset, name, value):
        check_code_exists(self.request, County, "county", value)
        return queryset.filter(department__county__code=value)

    def filter_department(self, queryset, name, value):
        county = (self.form.cleaned_data.get("county") or "").strip() or None
        lookups = {"county__code": county} if county else {}
        check_code_exists(self.request, Department, "department", value, **lookups)
        queryset = queryset.filter(department__code=value)
        return queryset.filter(department__county__code=county) if county else queryset

    def filter_township(self, queryset, name, value):
        check_code_exists(self.request, Township, "township", value)
        through = queryset.model.townships.through
        return queryset.filter(
            Exists(through.objects.filter(**{
                f"{queryset.model._meta.model_name}_id": OuterRef("pk"),
                "township__code": value,
            }))
        )


COUNTY_FILTER_HELP = _("County code (6 digits).")
DEPARTMENT_FILTER_HELP = _("Department code (combine with county when the code is shared).")
TOWNSHIP_FILTER_HELP = _("Township code (9 digits).")


# --- Delegations -----------------------------------------------------------------------------


class ItemBriefSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    sub_item = serializers.CharField(read_only=True)
    category = serializers.CharField(read_only=True)


class AgreementSerializer(serializers.Serializer):
    scope = serializers.CharField(required=False, allow_blank=True, default="")
    powers = serializers.CharField(required=False, allow_blank=True, default="")
    term_end = serializers.DateField(required=False, allow_null=True, default=None)


class AgreementOutSerializer(serializers.Serializer):
    scope = serializers.CharField(source="agreement_scope", read_only=True)
    powers = serializers.CharField(source="agreement_powers", read_only=True)
    term_end = serializers.DateField(source="agreement_term_end", read_only=True, allow_null=True)


class OpinionSerializer(serializers.ModelSerializer):
    township = CodeNameSerializer(read_only=True)

    class Meta:
        model = TownshipOpinion
        fields = ["township", "opinion", "text", "given_at"]


class DelegationSerializer(serializers.ModelSerializer):
    department = CodeNameSerializer(read_only=True)
    county = CodeNameSerializer(source="department.county", read_only=True)
    duty_items = ItemBriefSerializer(many=True, read_only=True)
    townships = CodeNameSerializer(many=True, read_only=True)
    agreement = AgreementOutSerializer(source="*", read_only=True)
    opinions = OpinionSerializer(many=True, read_only=True)

    class Meta:
        model = Delegation
        fields = [
            "id",
            "county",
            "department",
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
            "derived_from",
            "opinions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DelegationCreateSerializer(CodeBodyMixin, StrictSerializer):
    county = serializers.RegexField(
        r"^[0-9]{6}$",
        required=False,
        help_text=_("County code; needed only when the department code is used in several counties."),
    )
    department = serializers.CharField(max_length=32, help_text=_("Department code."))
    mode = serializers.ChoiceField(choices=Delegation.Mode.choices)
    duty_items = CodeListField(allow_empty=False, help_text=_("Item codes of the department's county."))
    townships = CodeListField(allow_empty=False, help_text=_("Township codes."))
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    legal_basis = serializers.CharField(required=False, allow_blank=True, default="")
    provincial_decision = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )
    agreement = AgreementSerializer(required=False, allow_null=True, default=None)
    published_on = serializers.DateField(required=False, allow_null=True, default=None)
    staff_posts = serializers.IntegerField(required=False, min_value=0, max_value=100000, default=0)
    funding_wan_yuan = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, default=0
    )
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(required=False, allow_null=True, default=None)
    submit = serializers.BooleanField(
        required=False, default=False, help_text=_("Submit at once instead of saving a draft.")
    )

    def validate_duty_items(self, codes):
        department = self._department_or_none()
        if department is None:
            return codes  # the department's own error says why
        return resolve_items(self.context["request"], codes, department)

    def validate(self, attrs):
        department, items, townships = attrs["department"], attrs["duty_items"], attrs["townships"]
        agreement = attrs.get("agreement") or {}
        return {
            "department": department,
            "mode": attrs["mode"],
            "duty_items": items,
            "townships": townships,
            "reason": attrs["reason"],
            "legal_basis": attrs["legal_basis"],
            "provincial_decision": attrs["provincial_decision"],
            "agreement_scope": agreement.get("scope", ""),
            "agreement_powers": agreement.get("powers", ""),
            "agreement_term_end": agreement.get("term_end"),
            "published_on": attrs["published_on"],
            "staff_posts": attrs["staff_posts"],
            "funding_wan_yuan": attrs["funding_wan_yuan"],
            "effective_from": attrs["effective_from"],
            "effective_to": attrs["effective_to"],
            "submit": attrs["submit"],
        }


class WithdrawSerializer(StrictSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class OpinionInputSerializer(StrictSerializer):
    township = serializers.CharField(
        required=False,
        max_length=9,
        help_text=_("Township code; a township user may leave it out (their own township)."),
    )
    opinion = serializers.ChoiceField(choices=TownshipOpinion.Opinion.choices)
    text = serializers.CharField(required=False, allow_blank=True, default="")

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


class DecideSerializer(StrictSerializer):
    decision = serializers.ChoiceField(choices=[("approve", _("approve")), ("reject", _("reject"))])
    decision_no = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RevokeSerializer(StrictSerializer):
    revoked_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class EmptySerializer(StrictSerializer):
    pass


class DelegationFilter(CountyFilterMixin, CodeFilterSet):
    county = filters.CharFilter(method="filter_county", help_text=COUNTY_FILTER_HELP)
    department = filters.CharFilter(method="filter_department", help_text=DEPARTMENT_FILTER_HELP)
    township = filters.CharFilter(method="filter_township", help_text=TOWNSHIP_FILTER_HELP)
    state = filters.ChoiceFilter(choices=Delegation.State.choices)
    mode = filters.ChoiceFilter(choices=Delegation.Mode.choices)

    class Meta:
        model = Delegation
        fields = ["county", "department", "township", "state", "mode"]


def _step_schema(summary, request):
    return extend_schema(
        summary=summary,
        tags=["delegations"],
        request=request,
        parameters=[ID_PATH],
        responses={200: DelegationSerializer, **STEP_RESPONSES},
    )


@extend_schema_view(
    list=extend_schema(summary=_("List delegations you may see"), tags=["delegations"]),
    retrieve=extend_schema(
        summary=_("One delegation by id"),
        tags=["delegations"],
        parameters=[ID_PATH],
        responses={200: DelegationSerializer, 404: ERROR_RESPONSES[404]},
    ),
    create=extend_schema(
        summary=_("File a delegation request (draft, or submitted with submit=true)"),
        tags=["delegations"],
        request=DelegationCreateSerializer,
        responses={201: DelegationSerializer, **ERROR_RESPONSES},
    ),
)
class DelegationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    queryset = Delegation.objects.all()
    serializer_class = DelegationSerializer
    filterset_class = DelegationFilter
    permission_classes = [permissions.IsAuthenticated]
    lookup_value_regex = "[0-9]+"

    STEPS = ("submit", "withdraw", "opinion", "decide", "revoke")

    def get_queryset(self):
        queryset = scoped(self.request, Delegation.objects.all()).select_related(
            "department__county"
        )
        if self.action in self.STEPS:
            return queryset  # the step's service reads what it needs; _respond prefetches
        return queryset.prefetch_related("duty_items", "townships", "opinions__township").order_by(
            "-created_at", "-id"
        )

    def _full(self):
        return (
            scoped(self.request, Delegation.objects.all())
            .select_related("department__county")
            .prefetch_related("duty_items", "townships", "opinions__township")
        )

    def get_serializer_class(self):
        return {
            "create": DelegationCreateSerializer,
            "submit": EmptySerializer,
            "withdraw": WithdrawSerializer,
            "opinion": OpinionInputSerializer,
            "decide": DecideSerializer,
            "revoke": RevokeSerializer,
        }.get(self.action, DelegationSerializer)

    def _respond(self, delegation, code=status.HTTP_200_OK):
        """The delegation as it now stands, read with the list's prefetching."""
        fresh = self._full().filter(pk=delegation.pk).first() or delegation
        return Response(
            DelegationSerializer(fresh, context=self.get_serializer_context()).data, status=code
        )

    def _input(self):
        serializer = self.get_serializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def create(self, request, *args, **kwargs):
        data = self._input()
        delegation = workflow.create_request(request.user, **data)
        return self._respond(delegation, status.HTTP_201_CREATED)

    @_step_schema(_("Submit a draft request"), EmptySerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        delegation = self.get_object()
        self._input()
        return self._respond(workflow.submit_request(request.user, delegation))

    @_step_schema(_("Withdraw a request"), WithdrawSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        delegation = self.get_object()
        data = self._input()
        return self._respond(
            workflow.withdraw_request(request.user, delegation, comment=data["comment"])
        )

    @_step_schema(_("Give a township's opinion on a request"), OpinionInputSerializer)
    @action(detail=True, methods=["post"])
    def opinion(self, request, *args, **kwargs):
        delegation = self.get_object()
        data = self._input()
        return self._respond(
            workflow.give_opinion(
                request.user, delegation, data["township"], data["opinion"], text=data["text"]
            )
        )

    @_step_schema(_("Approve or reject a submitted request"), DecideSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, *args, **kwargs):
        delegation = self.get_object()
        data = self._input()
        return self._respond(
            workflow.decide_request(
                request.user,
                delegation,
                data["decision"],
                decision_no=data["decision_no"],
                note=data["note"],
            )
        )

    @_step_schema(_("Revoke an approved delegation"), RevokeSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, *args, **kwargs):
        delegation = self.get_object()
        data = self._input()
        return self._respond(
            workflow.revoke_delegation(
                request.user, delegation, revoked_on=data["revoked_on"], note=data["note"]
            )
        )


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


class AssignmentCreateSerializer(CodeBodyMixin, StrictSerializer):
    county = serializers.RegexField(
        r"^[0-9]{6}$",
        required=False,
        help_text=_("County code; needed only when the department code is used in several counties."),
    )
    department = serializers.CharField(max_length=32, help_text=_("Department code."))
    townships = CodeListField(allow_empty=False, help_text=_("Township codes."))
    title = serializers.CharField(max_length=300)
    duty_item = serializers.CharField(
        max_length=64, required=False, allow_null=True, default=None,
        help_text=_("Item code in the department's county, or null for a task with no item."),
    )
    channel = serializers.ChoiceField(choices=Assignment.Channel.choices)
    responsibility = serializers.ChoiceField(
        choices=Assignment.Responsibility.choices,
        required=False,
        help_text=_(
            "Default: cooperate when a department or the office logs it, main when a township "
            "reports it."
        ),
    )
    document_no = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    assigned_on = serializers.DateField()
    description = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_duty_item(self, code):
        if not code:
            return None
        department = self._department_or_none()
        if department is None:
            return code  # the department's own error says why
        return resolve_items(self.context["request"], [code], department)[0]

    def validate(self, attrs):
        department, townships, item = attrs["department"], attrs["townships"], attrs["duty_item"]
        return {
            "department": department,
            "townships": townships,
            "title": attrs["title"],
            "duty_item": item,
            "channel": attrs["channel"],
            "responsibility": attrs.get("responsibility"),
            "document_no": attrs["document_no"],
            "assigned_on": attrs["assigned_on"],
            "description": attrs["description"],
        }


class AssignmentFilter(CountyFilterMixin, CodeFilterSet):
    county = filters.CharFilter(method="filter_county", help_text=COUNTY_FILTER_HELP)
    department = filters.CharFilter(method="filter_department", help_text=DEPARTMENT_FILTER_HELP)
    township = filters.CharFilter(method="filter_township", help_text=TOWNSHIP_FILTER_HELP)
    channel = filters.ChoiceFilter(choices=Assignment.Channel.choices)
    responsibility = filters.ChoiceFilter(choices=Assignment.Responsibility.choices)
    recorded_by = filters.ChoiceFilter(choices=Assignment.RecordedBy.choices)
    assigned_from = filters.DateFilter(
        field_name="assigned_on", lookup_expr="gte", help_text=_("Assigned on or after (YYYY-MM-DD).")
    )
    assigned_to = filters.DateFilter(
        field_name="assigned_on", lookup_expr="lte", help_text=_("Assigned on or before (YYYY-MM-DD).")
    )

    class Meta:
        model = Assignment
        fields = [
            "county",
            "department",
            "township",
            "channel",
            "responsibility",
            "recorded_by",
            "assigned_from",
            "assigned_to",
        ]


@extend_schema_view(
    list=extend_schema(summary=_("List assignments you may see"), tags=["assignments"]),
    retrieve=extend_schema(
        summary=_("One assignment by id"),
        tags=["assignments"],
        parameters=[ID_PATH],
        responses={200: AssignmentSerializer, 404: ERROR_RESPONSES[404]},
    ),
    create=extend_schema(
        summary=_("Log an assignment (a department) or report one (a township)"),
        tags=["assignments"],
        request=AssignmentCreateSerializer,
        responses={201: AssignmentSerializer, **ERROR_RESPONSES},
    ),
)
class AssignmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    queryset = Assignment.objects.all()
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    permission_classes = [permissions.IsAuthenticated]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return (
            scoped(self.request, Assignment.objects.all())
            .select_related("department__county", "duty_item", "reporting_township")
            .prefetch_related("townships")
            .order_by("-assigned_on", "-id")
        )

    def get_serializer_class(self):
        return AssignmentCreateSerializer if self.action == "create" else AssignmentSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = assignments.record_assignment(request.user, **serializer.validated_data)
        fresh = self.get_queryset().filter(pk=assignment.pk).first() or assignment
        return Response(
            AssignmentSerializer(fresh, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


# --- Flags -----------------------------------------------------------------------------------


class RefField(serializers.Field):
    """A {code, name} reference built from a model instance or a dict."""

    def to_representation(self, value):
        return as_ref(value)


class IdField(serializers.Field):
    def to_representation(self, value):
        return as_id(value)


@extend_schema_field(CodeNameSerializer)
class FlagRefField(RefField):
    pass


@extend_schema_field(CodeNameSerializer(allow_null=True))
class OptionalFlagRefField(RefField):
    pass


@extend_schema_field({"type": "integer", "nullable": True})
class OptionalIdField(IdField):
    pass


class FlagSerializer(serializers.Serializer):
    rule = serializers.CharField(read_only=True)
    severity = serializers.ChoiceField(choices=["error", "warning"], read_only=True)
    title = serializers.CharField(read_only=True)
    message = serializers.CharField(read_only=True)
    township = FlagRefField(read_only=True)
    department = OptionalFlagRefField(read_only=True)
    duty_item = OptionalFlagRefField(read_only=True)
    assignment = OptionalIdField(read_only=True)
    delegation = OptionalIdField(read_only=True)
    evidence = serializers.DictField(read_only=True)
    source = serializers.CharField(read_only=True)


class FlagParamsSerializer(serializers.Serializer):
    county = serializers.CharField(required=False)
    township = serializers.CharField(required=False)
    department = serializers.CharField(required=False)
    rule = serializers.ListField(child=serializers.CharField(), required=False)
    severity = serializers.CharField(required=False)

    def to_internal_value(self, data):
        # Query parameters: rule may repeat (?rule=A&rule=B) or be comma separated.
        rules = []
        for value in data.getlist("rule") if hasattr(data, "getlist") else [data.get("rule")]:
            rules += [part.strip() for part in (value or "").split(",") if part.strip()]
        plain = {key: data.get(key) for key in ("county", "township", "department", "severity")}
        plain = {key: value.strip() for key, value in plain.items() if value and value.strip()}
        if rules:
            plain["rule"] = rules
        return super().to_internal_value(plain)


FLAG_PARAMETERS = [
    OpenApiParameter("county", OpenApiTypes.STR, description=COUNTY_FILTER_HELP),
    OpenApiParameter("township", OpenApiTypes.STR, description=TOWNSHIP_FILTER_HELP),
    OpenApiParameter("department", OpenApiTypes.STR, description=DEPARTMENT_FILTER_HELP),
    OpenApiParameter(
        "rule",
        OpenApiTypes.STR,
        many=True,
        description=_("Rule code(s): repeat the parameter or separate codes by commas."),
    ),
    OpenApiParameter(
        "severity", OpenApiTypes.STR, enum=["error", "warning"], description=_("Severity.")
    ),
]


class FlagQueryMixin:
    """Flags are not a queryset: the views are plain APIViews that page a FlagQuery."""

    permission_classes = [permissions.IsAuthenticated]

    def flag_query(self):
        """The FlagQuery for the request's filters, intersected with the user's scope; None
        when the filters ask for something outside the scope (an empty result)."""
        request = self.request
        params = FlagParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        asked = {}
        county = data.get("county")
        if county:
            asked["county"] = scoped(request, County.objects.filter(code=county)).first()
            if asked["county"] is None:
                raise bad_parameter(
                    "county", gettext("Unknown county code “%(code)s”.") % {"code": county}
                )
        if data.get("township"):
            township = scoped(request, Township.objects.filter(code=data["township"])).first()
            if township is None:
                raise bad_parameter(
                    "township",
                    gettext("Unknown township code “%(code)s”.") % {"code": data["township"]},
                )
            asked["township"] = township
        if data.get("department"):
            asked["department"] = find_department(
                request, data["department"], county or user_county_code(request.user)
            )
        merged = dict(access.flag_filters(request.user))  # PermissionDenied for the public
        for key, value in asked.items():
            if key in merged and merged[key] is not None and as_id(merged[key]) != as_id(value):
                return None
            merged[key] = value
        return flag_engine.FlagQuery(
            rules=data.get("rule") or None, severity=data.get("severity"), **merged
        )


class EmptyFlags:
    def count(self):
        return 0

    def __getitem__(self, item):
        return []

    def summary(self):
        return {"by_rule": {}, "by_department": {}, "by_township": {}}


@extend_schema(
    summary=_("Flags: duties offloaded to townships without approval"),
    description=_(
        "Computed from the current data. The office sees every flag; a department user the "
        "flags naming its department; a township user its own township's flags."
    ),
    tags=["flags"],
    parameters=FLAG_PARAMETERS,
    responses={200: FlagSerializer(many=True), 400: ERROR_RESPONSES[400], 403: ERROR_RESPONSES[403]},
)
class FlagListView(FlagQueryMixin, views.APIView):
    pagination_class = Pagination

    def get(self, request, *args, **kwargs):
        query = self.flag_query() or EmptyFlags()
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(query, request, view=self)
        return paginator.get_paginated_response(FlagSerializer(page, many=True).data)


@extend_schema(
    summary=_("Flag counts by rule, department and township"),
    tags=["flags"],
    parameters=FLAG_PARAMETERS,
    responses={
        200: inline_serializer(
            "FlagSummary",
            fields={
                "by_rule": serializers.DictField(child=serializers.IntegerField()),
                "by_department": serializers.DictField(child=serializers.IntegerField()),
                "by_township": serializers.DictField(child=serializers.IntegerField()),
            },
        ),
        400: ERROR_RESPONSES[400],
        403: ERROR_RESPONSES[403],
    },
)
class FlagSummaryView(FlagQueryMixin, views.APIView):
    def get(self, request, *args, **kwargs):
        query = self.flag_query() or EmptyFlags()
        summary = query.summary()
        return Response({key: summary.get(key, {}) for key in ("by_rule", "by_department", "by_township")})
