"""“Is this notice's work on my lists?” — a verdict per task of a notice, and for the notice.

``check_notice(township, text)`` reads the text with :func:`duties.notices.parse_notice`
(a short title is a notice of one task), matches each task against the township's lists with
:func:`duties.checker.check` — on the task's :func:`~duties.notices.matching_text`, so the
boilerplate of the notice and the generic words of list entries never make a match — and
resolves the issuer the notice names to a department of the county.

Verdicts are those of the checker, with ``unlisted`` for "not on the lists" (the API's word).
The notice's verdict is the worst of its tasks', in the order of ``SEVERITY``: power and
admission are the township's, territorial only its share, an unlisted task needs a report
(清单之外无事项), and a reclaimed one is unlisted *and* taken back — the worst.

The issuer is found as Excel sheets find departments (``duties.excel.departments``): code,
full name, short name, alias, then the name with the county and the 县/区/市 prefix removed;
a notice that names its issuer only in its document number (示应急〔2026〕8号) is read by the
number's abbreviation (``abbreviated``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from duties import checker
from duties.excel.departments import DepartmentIndex, county_names, reductions
from duties.excel.errors import CellError
from duties.excel.values import key
from duties.models import ListKind
from duties.notices import Notice, matching_text, parse_notice
from townships.models import Department, DepartmentAlias

POWER = checker.VERDICT_POWER
TERRITORIAL = checker.VERDICT_TERRITORIAL
ADMISSION = checker.VERDICT_ADMISSION
RECLAIMED = checker.VERDICT_RECLAIMED
UNLISTED = "unlisted"
VERDICTS = (POWER, TERRITORIAL, ADMISSION, RECLAIMED, UNLISTED)
# Best first: the notice's verdict is the last of these that one of its tasks has.
SEVERITY = (POWER, ADMISSION, TERRITORIAL, UNLISTED, RECLAIMED)
# Verdicts that call for a report of work pushed onto the township.
NEEDS_REPORT = frozenset({UNLISTED, RECLAIMED})
# Matches kept per task.
MATCHES_PER_TASK = 3

TASK_TITLES = {
    **{kind: checker.VERDICT_TITLES[kind] for kind in (POWER, TERRITORIAL, ADMISSION, RECLAIMED)},
    UNLISTED: checker.VERDICT_TITLES[checker.VERDICT_NONE],
}
VERDICT_LABELS = {
    **{kind: ListKind(kind).label for kind in (POWER, TERRITORIAL, ADMISSION, RECLAIMED)},
    UNLISTED: _("Not on your lists"),
}
VERDICT_CHOICES = [(verdict, VERDICT_LABELS[verdict]) for verdict in VERDICTS]
NOTICE_TITLES = {
    POWER: _("Every task of this notice is your own duty on your power and responsibility list."),
    ADMISSION: _("Every task of this notice is on your lists: your own duties or approved through "
                 "the admission review."),
    TERRITORIAL: _("Every task of this notice is on your lists, some only as cooperation: for "
                   "those the department keeps the main responsibility."),
    UNLISTED: _("Some tasks of this notice are not on your lists: unless approved through the "
                "admission review they are not yours. Report them."),
    RECLAIMED: _("Some tasks of this notice were taken back by a department (reclaimed list): "
                 "handing them to you breaks the list. Report them."),
}


def _from_checker(verdict: str) -> str:
    return UNLISTED if verdict == checker.VERDICT_NONE else verdict


@dataclass
class TaskVerdict:
    """One task of a notice: its text as written, its verdict and its best matches."""

    text: str
    verdict: str
    matches: list = field(default_factory=list)  # checker.Match, best first

    @property
    def best(self):
        return self.matches[0] if self.matches and self.verdict != UNLISTED else None

    @property
    def title(self):
        return TASK_TITLES[self.verdict]

    @property
    def label(self):
        return VERDICT_LABELS[self.verdict]

    @property
    def needs_report(self) -> bool:
        return self.verdict in NEEDS_REPORT


@dataclass
class NoticeVerdict:
    """A notice's tasks with their verdicts, its own verdict and the department it names."""

    text: str
    title: str  # the heading, "" when the text has none
    verdict: str
    issuer: Department | None
    tasks: list[TaskVerdict]
    skipped: int = 0  # tasks beyond notices.MAX_TASKS, not checked

    @property
    def headline(self):
        return NOTICE_TITLES[self.verdict]

    @property
    def needs_report(self) -> bool:
        return self.verdict in NEEDS_REPORT

    @property
    def worst_task(self) -> TaskVerdict | None:
        """The first task with the notice's verdict."""
        return next((task for task in self.tasks if task.verdict == self.verdict), None)

    @property
    def is_single_task(self) -> bool:
        return len(self.tasks) == 1 and not self.title


def worst(verdicts) -> str:
    """The worst of ``verdicts`` by ``SEVERITY`` (``unlisted`` for none)."""
    ranks = [SEVERITY.index(v) for v in verdicts]
    return SEVERITY[max(ranks)] if ranks else UNLISTED


def _departments(county) -> list[Department]:
    departments = list(Department.objects.filter(county=county).order_by("code"))
    aliases: dict = {}
    for department_id, name in DepartmentAlias.objects.filter(
        department__county=county
    ).values_list("department_id", "name"):
        aliases.setdefault(department_id, []).append(name)
    for department in departments:
        department.alias_names = aliases.get(department.pk, [])
    return departments


def find_issuer(county, names, departments=None, prefixes=()) -> Department | None:
    """The first of ``names`` that names exactly one department of ``county``; failing that,
    the first document-number prefix that abbreviates exactly one (``abbreviated``)."""
    if not names and not prefixes:
        return None
    if departments is None:
        departments = _departments(county)
    index = DepartmentIndex(county, departments)
    for name in names:
        try:
            found = index.find(name)
        except CellError:
            continue
        if found is not None:
            return found
    for prefix in prefixes:
        found = abbreviated(county, departments, prefix)
        if found is not None:
            return found
    return None


# What a document number puts after the issuer's abbreviation: 发, 函, 字, 电, 复, 通.
_NUMBER_SUFFIXES = "发函字电复通"


def _is_subsequence(short: str, name: str) -> bool:
    chars = iter(name)
    return all(char in chars for char in short)


def abbreviated(county, departments, prefix: str) -> Department | None:
    """The one department of ``county`` that a document number's prefix abbreviates: the
    county's first character (示范县 → 示) and a trailing 发/函/字… dropped, what remains
    ("应急", "市监", "住建") is the start of the department's normalised name, short name or
    alias and written in it in order (应急管理局, 市场监督管理局, 住房和城乡建设局). None when no
    department or several answer."""
    counties = county_names(county)
    abbreviation = key(prefix)
    stem = counties[-1] if counties else ""
    if stem and abbreviation.startswith(stem):
        abbreviation = abbreviation[len(stem):]
    elif stem and abbreviation[:1] == stem[:1]:
        abbreviation = abbreviation[1:]
    abbreviation = abbreviation.rstrip(_NUMBER_SUFFIXES)
    if not abbreviation:
        return None
    found = set()
    for department in departments:
        for name in (department.name, department.short_name, *department.alias_names):
            forms = reductions(key(name), counties) if name else []
            if any(form[:1] == abbreviation[:1] and _is_subsequence(abbreviation, form)
                   for form in forms):
                found.add(department)
                break
    return found.pop() if len(found) == 1 else None


def _mask_names(county, departments) -> list[str]:
    """The names to mask in a task: the county's, and every department's names and their
    reduced forms ("示范县应急管理局", "应急管理局": "报县应急管理局" leaves only "报县")."""
    counties = county_names(county)
    names = set(counties)
    for department in departments:
        for name in (department.name, department.short_name, *department.alias_names):
            if name:
                names.update(f for f in reductions(key(name), counties) if len(f) >= 3)
    return sorted(names)


def check_task(township, task: str, names=(), *, index=None) -> TaskVerdict:
    result = checker.check(township, matching_text(task, names), index=index)
    verdict = _from_checker(result.verdict)
    return TaskVerdict(text=task, verdict=verdict, matches=result.matches[:MATCHES_PER_TASK])


def check_notice(township, text: str) -> NoticeVerdict:
    """The verdict of every task of ``text`` (a task title or a whole notice), the notice's
    verdict and its issuer. Raises ``checker.TextTooLong`` above ``checker.MAX_TEXT_BYTES``."""
    text = (text or "").strip()
    if checker.text_bytes(text) > checker.MAX_TEXT_BYTES:
        raise checker.TextTooLong(checker.text_bytes(text))
    notice: Notice = parse_notice(text)
    county = township.county
    departments = _departments(county)
    names = _mask_names(county, departments) + [township.name]
    index = checker.index_for(township)
    tasks = [check_task(township, task, names, index=index) for task in notice.tasks]
    return NoticeVerdict(
        text=text,
        title=notice.title,
        verdict=worst(task.verdict for task in tasks),
        issuer=find_issuer(county, notice.issuer_names, departments, notice.document_prefixes),
        tasks=tasks,
        skipped=notice.skipped,
    )
