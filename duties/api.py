"""REST API v1: the duty catalog and a township's lists (now or as they stood on a date).

The list logic (which entries a township's lists hold on a day) lives in duties.services;
this module parses the parameters, scopes the querysets and serializes.
"""

from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, serializers, viewsets

from duties import services
from duties.models import Category, DutyItem, ListEntry, ListKind
from townships import access
from townships.api import (
    CODE_PATH,
    COUNTY_PARAM,
    CodeFilterSet,
    CodeLookupMixin,
    CodeNameSerializer,
    check_code_exists,
    is_code_like,
    scoped,
)
from townships.models import Department, Township

# --- The catalog -----------------------------------------------------------------------------


class DutyItemSerializer(serializers.ModelSerializer):
    county = CodeNameSerializer(read_only=True)
    department = CodeNameSerializer(read_only=True, allow_null=True)

    class Meta:
        model = DutyItem
        fields = [
            "code",
            "name",
            "sub_item",
            "category",
            "county",
            "department",
            "legal_basis",
            "responsibility_stages",
            "accountability_cases",
            "updated_at",
        ]


class DutyItemFilter(CodeFilterSet):
    county = filters.CharFilter(
        field_name="county__code", method="filter_county", help_text=_("County code (6 digits).")
    )
    department = filters.CharFilter(
        method="filter_department",
        help_text=_("Owning department's code (combine with county when the code is shared)."),
    )
    category = filters.ChoiceFilter(choices=Category.choices)
    q = filters.CharFilter(method="filter_q", help_text=_("Part of the name, sub-item or code."))

    class Meta:
        model = DutyItem
        fields = ["county", "department", "category", "q"]

    def filter_department(self, queryset, name, value):
        county = (self.form.cleaned_data.get("county") or "").strip() or None
        lookups = {"department__code": value}
        if county:
            lookups["department__county__code"] = county
        check_code_exists(self.request, Department, "department", value, **(
            {"county__code": county} if county else {}
        ))
        return queryset.filter(**lookups)

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(sub_item__icontains=value) | Q(code__icontains=value)
        )


@extend_schema_view(
    list=extend_schema(summary=_("List catalog items"), tags=["reference"]),
    retrieve=extend_schema(
        summary=_("One catalog item by its code"),
        description=_(
            "Item codes are unique within a county: add ?county=<county code> when the code "
            "is used in several counties."
        ),
        tags=["reference"],
        parameters=[CODE_PATH, COUNTY_PARAM],
    ),
)
class DutyItemViewSet(CodeLookupMixin, viewsets.ReadOnlyModelViewSet):
    queryset = DutyItem.objects.all()
    serializer_class = DutyItemSerializer
    filterset_class = DutyItemFilter
    county_scoped = True

    def get_queryset(self):
        return (
            scoped(self.request, DutyItem.objects.all())
            .select_related("county", "department")
            .order_by("county__code", "code")
        )


# --- A township's lists ----------------------------------------------------------------------


class ItemRefSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    sub_item = serializers.CharField(read_only=True)
    category = serializers.ChoiceField(choices=Category.choices, read_only=True)
    legal_basis = serializers.CharField(read_only=True)
    department = CodeNameSerializer(read_only=True, allow_null=True)


class ListEntrySerializer(serializers.Serializer):
    """One entry of a township's list; the fields after ``notes`` belong to one list each.

    Works for current entries and for their historical versions (same field names).
    """

    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=ListKind.choices, read_only=True)
    item = ItemRefSerializer(read_only=True)
    status = serializers.ChoiceField(choices=ListEntry.Status.choices, read_only=True)
    all_townships = serializers.BooleanField(read_only=True)
    effective_from = serializers.DateField(read_only=True)
    effective_to = serializers.DateField(read_only=True, allow_null=True)
    delegation = serializers.IntegerField(source="delegation_id", read_only=True, allow_null=True)
    document_no = serializers.CharField(read_only=True)
    notes = serializers.CharField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    # Power list.
    source = serializers.CharField(read_only=True)
    handling_office = serializers.CharField(read_only=True)
    # Territorial list.
    domain = serializers.CharField(read_only=True)
    lead_department = CodeNameSerializer(read_only=True, allow_null=True)
    department_duty = serializers.CharField(read_only=True)
    township_duty = serializers.CharField(read_only=True)
    cooperating_departments = serializers.CharField(read_only=True)
    # Admission list.
    requesting_department = CodeNameSerializer(read_only=True, allow_null=True)
    admission_mode = serializers.CharField(read_only=True)
    approval_document = serializers.CharField(read_only=True)
    approved_on = serializers.DateField(read_only=True, allow_null=True)
    staff_posts = serializers.IntegerField(read_only=True, allow_null=True)
    funding_wan_yuan = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, allow_null=True
    )
    # Reclaimed list.
    receiving_department = CodeNameSerializer(read_only=True, allow_null=True)
    working_method = serializers.CharField(read_only=True)


class ListParamsSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ListKind.choices, required=False)
    as_of = serializers.DateField(
        required=False, input_formats=["%Y-%m-%d"], format="%Y-%m-%d"
    )


@extend_schema(
    summary=_("A township's lists"),
    description=_(
        "The entries on the township's power, territorial, admission and reclaimed lists. "
        "Without as_of: the entries in force today. With as_of=YYYY-MM-DD: the lists as they "
        "stood at the end of that day (China time), read from the change history: each entry's "
        "version recorded by then, if its scope then covered the township and its effective "
        "window covered the day. Anonymous users see published entries only."
    ),
    tags=["lists"],
    parameters=[
        CODE_PATH,
        OpenApiParameter("kind", OpenApiTypes.STR, enum=ListKind.values, description=_("Which list.")),
        OpenApiParameter(
            "as_of", OpenApiTypes.DATE, description=_("The day (YYYY-MM-DD) to show the lists of.")
        ),
    ],
)
class TownshipListsView(generics.ListAPIView):
    serializer_class = ListEntrySerializer
    filter_backends = []

    def get_township(self):
        code = self.kwargs["code"]
        if not is_code_like(code):
            raise exceptions.NotFound(gettext("Not a code."))
        township = (
            scoped(self.request, Township.objects.filter(code=code))
            .select_related("county")
            .first()
        )
        if township is None:
            raise exceptions.NotFound(
                gettext("No township with code “%(code)s”.") % {"code": code}
            )
        return township

    def get_queryset(self):
        params = ListParamsSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        kind = params.validated_data.get("kind")
        day = params.validated_data.get("as_of")
        township = self.get_township()
        if day is None:
            entries = scoped(self.request, ListEntry.objects.all())
            return services.current_entries(township, entries=entries, kind=kind)
        return services.entries_as_of(
            township,
            day,
            kind=kind,
            # The same visibility condition restrict() applies to ListEntry, applied to the
            # historical rows (they carry the same field names).
            scope=access.scope_q(self.request.user, ListEntry),
        )
