"""Serializers of the reference data: counties, townships, departments."""

from rest_framework import serializers

from townships.api.shared import CodeNameSerializer
from townships.models import County, Department, Township


class CountySerializer(serializers.ModelSerializer):
    class Meta:
        model = County
        fields = ["code", "name", "prefecture", "province"]


class TownshipSerializer(serializers.ModelSerializer):
    county = CodeNameSerializer(read_only=True)

    class Meta:
        model = Township
        fields = ["code", "name", "county", "kind", "category", "population", "area_km2"]


class DepartmentSerializer(serializers.ModelSerializer):
    county = CodeNameSerializer(read_only=True)
    aliases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Department
        fields = ["code", "name", "short_name", "aliases", "county", "kind"]
