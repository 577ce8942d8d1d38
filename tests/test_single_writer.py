"""The delegation workflow is the only writer of a delegation's state, decision and
revocation: no other code (admin, pages, API, loaders, generators, test factories) assigns
those fields. A new writer anywhere makes this test fail, naming the file and line."""

import re
from pathlib import Path

from delegations import workflow

ROOT = Path(__file__).resolve().parent.parent
WRITER = ROOT / "delegations" / "workflow.py"
FIELDS = "|".join(sorted({*workflow.WORKFLOW_FIELDS, "decided_by_id"}, key=len, reverse=True))

PATTERNS = [
    # delegation.state = …, obj.decision_no = …, a.state, a.revoked_on = …
    re.compile(rf"^\s*(?:[\w.\[\]]+\s*,\s*)*[\w.\[\]]+\.({FIELDS})\s*(?:=(?!=)|,[^=\n]*=(?!=))"),
    # Delegation(state=…), Delegation.objects.create(decided_at=…), .update(revoked_on=…)
    re.compile(rf"(Delegation\s*\(|\.create\(|\.update\(|\.update_or_create\(|defaults=)[^\n]*\b({FIELDS})\s*="),
    # bulk_update(rows, ["state", …]) and setattr(obj, "state", …)
    re.compile(rf"bulk_update\([^\n]*[\"']({FIELDS})[\"']"),
    re.compile(rf"setattr\([^,]+,\s*[\"']({FIELDS})[\"']"),
    # revocations are the workflow's records too
    re.compile(r"(?<!class )\bRevocation\s*\(|Revocation\.objects\.(create|bulk_create|update)"),
]


def project_sources():
    """The project's Python files that may not write (tests only through their factories)."""
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        parts = relative.parts
        if parts[0].startswith(".") or parts[0] in {"var", "node_modules", "build"}:
            continue
        if "migrations" in parts or path == WRITER:
            continue
        if parts[0] == "tests" and path.name.startswith("test_"):
            continue  # tests may build bad rows on purpose (the database backstops)
        yield path


# Objects that carry these names but are not delegations: ``demo.lifecycle.Life`` (the plan of
# a delegation's life that the loaders hand to the workflow).
NOT_DELEGATIONS = re.compile(r"^\s*life\.")


def writers(text):
    for number, line in enumerate(text.splitlines(), 1):
        code = line.split("#", 1)[0]
        if NOT_DELEGATIONS.match(code):
            continue
        if any(pattern.search(code) for pattern in PATTERNS):
            yield number, line.strip()


def test_only_the_workflow_writes_a_delegations_state_decision_and_revocation():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line}"
        for path in project_sources()
        for number, line in writers(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "writers of delegation state outside delegations/workflow.py:\n" + "\n".join(found)


def test_the_detector_catches_the_ways_of_writing_those_fields():
    samples = [
        'delegation.state = "approved"',
        "obj.decided_at = timezone.now()",
        "    obj.state, obj.revoked_on = state, day",
        'Delegation.objects.filter(pk=1).update(decision_no="x")',
        'Delegation(department=d, state="approved")',
        'Delegation.objects.bulk_update(rows, ["state", "revoked_on"])',
        'setattr(delegation, "revoked_on", day)',
        "Revocation.objects.create(delegation=d)",
    ]
    assert all(list(writers(sample)) for sample in samples)
    assert not list(writers('if delegation.state == "approved":'))
    assert not list(writers("row.deadline_class = css"))
    assert not list(writers('    life.legal_review = "failed"'))
    assert not list(writers("    call(user, life.legal_review, life.decision_no,"))
    assert not list(writers("sql = f\"({d}.state = 'submitted')\""))
