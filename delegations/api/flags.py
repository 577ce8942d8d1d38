"""Endpoints of the flags (duties offloaded to townships without approval): the list and the
counts. The views read the flag store (``delegations.flags.StoredFlagQuery``), which every
write keeps equal to what the rules compute."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import permissions, serializers, views
from rest_framework.response import Response

from config.api import Pagination
from delegations import flags as flag_engine
from delegations.flags import case_access
from delegations.flags.models import Case
from delegations.api.shared import (
    COUNTY_FILTER_HELP,
    DEPARTMENT_FILTER_HELP,
    TOWNSHIP_FILTER_HELP,
    as_id,
    as_ref,
    user_county_code,
)
from townships import access
from townships.api import CodeNameSerializer, bad_parameter, find_department, scoped
from townships.models import County, Township



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
    id = serializers.IntegerField(read_only=True, help_text=_("The finding's stable id."))
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
    case = serializers.IntegerField(read_only=True, help_text=_("The case the finding belongs to."))
    # A plain string in the schema: the enum is the case's (``Case.status``).
    status = serializers.CharField(
        read_only=True, help_text=_("The status of its case: open, notified, answered or closed."))


class FlagParamsSerializer(serializers.Serializer):
    county = serializers.CharField(required=False)
    township = serializers.CharField(required=False)
    department = serializers.CharField(required=False)
    rule = serializers.ListField(child=serializers.CharField(), required=False)
    severity = serializers.CharField(required=False)
    status = serializers.CharField(required=False)
    case = serializers.IntegerField(required=False, min_value=1)

    def to_internal_value(self, data):
        # Query parameters: rule may repeat (?rule=A&rule=B) or be comma separated.
        rules = []
        for value in data.getlist("rule") if hasattr(data, "getlist") else [data.get("rule")]:
            rules += [part.strip() for part in (value or "").split(",") if part.strip()]
        plain = {key: data.get(key) for key in ("county", "township", "department", "severity",
                                                "status", "case")}
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
    OpenApiParameter(
        "status", OpenApiTypes.STR, enum=Case.Status.values,
        description=_("Status of the finding's case."),
    ),
    OpenApiParameter("case", OpenApiTypes.INT, description=_("The findings of this case (id).")),
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
        if data.get("case") is not None:
            if not case_access.visible(request.user).filter(pk=data["case"]).exists():
                raise bad_parameter("case", gettext("Unknown case no. %(id)s.") % {"id": data["case"]})
        for key, value in asked.items():
            if key in merged and merged[key] is not None and as_id(merged[key]) != as_id(value):
                return None
            merged[key] = value
        return flag_engine.StoredFlagQuery(
            rules=data.get("rule") or None, severity=data.get("severity"),
            status=data.get("status"), case=data.get("case"), **merged
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
        "The flags of the current data (kept up to date by every write), each with its stable "
        "id, its case and the case's status. The office sees every flag; a department user "
        "the flags naming its department; a township user its own township's flags."
    ),
    tags=["flags"],
    parameters=FLAG_PARAMETERS,
    responses={200: FlagSerializer(many=True)},
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
    },
)
class FlagSummaryView(FlagQueryMixin, views.APIView):
    def get(self, request, *args, **kwargs):
        query = self.flag_query() or EmptyFlags()
        summary = query.summary()
        return Response({key: summary.get(key, {}) for key in ("by_rule", "by_department", "by_township")})
