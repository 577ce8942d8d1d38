"""Synthetic data (generate_data) and the benchmark's SQL baseline, at tiny scale."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from delegations.bench import run_baseline
from delegations.flags import RULES, FlagQuery
from delegations.flags.synthetic import SCALES, generate
from duties.models import DutyItem, ListEntry

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2025, 6, 30)


def test_generate_data_builds_the_tiny_scale_with_the_expected_sizes():
    counts = generate("tiny", seed=3, today=TODAY)
    scale = SCALES["tiny"]
    assert counts["counties"] == scale.counties
    assert counts["townships"] == scale.counties * scale.townships
    assert counts["departments"] == scale.counties * scale.departments
    assert counts["duty_items"] == scale.counties * scale.items
    assert counts["assignments"] == scale.counties * scale.assignments
    assert counts["delegations"] == scale.counties * scale.delegations
    assert counts["list_entries"] >= scale.counties * scale.items * 0.6


def test_generate_data_is_deterministic_for_a_seed_and_day():
    generate("tiny", seed=5, today=TODAY)
    first = sorted(ListEntry.objects.values_list("kind", "item__code", "effective_from"))
    names = sorted(DutyItem.objects.values_list("code", "category", "department__code"))
    ListEntry.objects.all().delete()
    from delegations.models import Assignment, Delegation

    Assignment.objects.all().delete()
    ListEntry.objects.all().delete()
    Delegation.objects.update(derived_from=None)
    Delegation.objects.all().delete()
    DutyItem.objects.all().delete()
    from townships.models import County, Department, Township

    Department.objects.all().delete()
    Township.objects.all().delete()
    County.objects.all().delete()
    generate("tiny", seed=5, today=TODAY)
    assert sorted(ListEntry.objects.values_list("kind", "item__code", "effective_from")) == first
    assert sorted(DutyItem.objects.values_list("code", "category", "department__code")) == names


def test_generated_data_gives_every_rule_work():
    generate("tiny", seed=1, today=TODAY)
    counts = FlagQuery(today=TODAY).counts()
    assert all(counts[code] > 0 for code in RULES), counts


def test_sql_baseline_and_engine_agree_rule_by_rule():
    generate("tiny", seed=2, today=TODAY)
    baseline = run_baseline(today=TODAY)
    engine = FlagQuery(today=TODAY).counts()
    assert {code: baseline[code]["count"] for code in RULES} == engine


def test_generate_data_command_prints_counts_and_refuses_to_run_twice():
    out = io.StringIO()
    call_command("generate_data", "--scale", "tiny", "--seed", "1", "--today", "2025-06-30", stdout=out)
    assert "assignments: 240" in out.getvalue().replace("  ", "").replace(" :", ":")
    with pytest.raises(CommandError):
        call_command("generate_data", "--scale", "tiny", stdout=io.StringIO())
