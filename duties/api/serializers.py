"""Serializers of the catalog and of list entries (live, or as they stood on a past day)."""

from rest_framework import serializers

from duties.models import Category, DutyItem, ListEntry, ListKind
from townships.api.shared import CodeNameSerializer


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


class ItemRefSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    sub_item = serializers.CharField(read_only=True)
    category = serializers.ChoiceField(choices=Category.choices, read_only=True)
    legal_basis = serializers.CharField(read_only=True)
    department = CodeNameSerializer(read_only=True, allow_null=True)


class ListEntrySerializer(serializers.Serializer):
    """One entry of a township's list; the fields after ``notes`` belong to one list each.

    Works for current entries and for the entries as they stood on a past day
    (``duties.services.entries_as_of``: same fields, the item as it stood that day).
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
    as_of = serializers.DateField(required=False, input_formats=["%Y-%m-%d"], format="%Y-%m-%d")
