"""Finding the department a cell names, as published lists name them (docs/excel.md, "部门").

In order, the first that finds something decides:

1. the department's code, full name, short name or a registered alias (spaces and bracket
   widths aside);
2. the normalised name: the published name and every name of every department are reduced
   alike — a leading 中共 dropped, then the county's name ("示范县" or "示范") in front, then one
   level prefix 县 / 区 / 市 / 旗 — and compared; 局 / 委 / 办 stay, so "县住建局", "市住建局",
   "区住建局" and "示范住建局" all find the department whose short name is 住建局, and
   "住房和城乡建设局" finds 示范县住房和城乡建设局.

Two departments answering to the same name is a row error naming both; so is a name no
department answers to. Every lookup is remembered (``resolved``), so the preview can show
what each spelling became, and the spellings found only by their normalised form can be
registered as aliases when the import is confirmed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from duties.excel.errors import CellError
from duties.excel.values import key, text

LEVEL_PREFIXES = ("县", "区", "市", "旗")
_COUNTY_SUFFIXES = ("自治县", "自治旗", "县", "区", "市", "旗")
_PARTY_PREFIX = "中共"

CODE, NAME, SHORT_NAME, ALIAS, NORMALISED = "code", "name", "short_name", "alias", "normalised"


def county_names(county) -> tuple:
    """The county's name and its stem, longest first: ("示范县", "示范")."""
    if county is None or not county.name:
        return ()
    name = key(county.name)
    for suffix in _COUNTY_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return (name, name[: -len(suffix)])
    return (name,)


def reductions(name: str, counties: tuple) -> list:
    """The normalised forms of a (key()-ed) name, least reduced first."""
    forms = [name]
    current = name.removeprefix(_PARTY_PREFIX)
    forms.append(current)
    for county in counties:
        if current.startswith(county) and len(current) > len(county):
            current = current[len(county):]
            break
    forms.append(current)
    if current[:1] in LEVEL_PREFIXES and len(current) > 2:
        forms.append(current[1:])
    return list(dict.fromkeys(form for form in forms if form))


@dataclass(frozen=True)
class Resolution:
    """How a written name found its department (``how``: code, name, short_name, alias or
    normalised)."""

    written: str
    department: object
    how: str


class DepartmentIndex:
    """The departments of one county (each with ``alias_names``), found as the module doc says."""

    def __init__(self, county, departments):
        self.county = county
        self.counties = county_names(county)
        self.by_id = {}
        self.layers = {CODE: defaultdict(set), NAME: defaultdict(set), SHORT_NAME: defaultdict(set),
                       ALIAS: defaultdict(set)}
        self.normalised = defaultdict(set)
        for department in departments:
            self._add(department)
        self.resolved = {}  # written text -> Resolution
        self._errors = {}  # written text -> CellError message

    @classmethod
    def for_county(cls, county) -> "DepartmentIndex":
        """The county's departments with their registered aliases, read in two queries."""
        from townships.models import Department, DepartmentAlias

        departments = list(Department.objects.filter(county=county))
        aliases = defaultdict(list)
        for department_id, name in DepartmentAlias.objects.filter(
            department__county=county
        ).values_list("department_id", "name"):
            aliases[department_id].append(name)
        for department in departments:
            department.alias_names = aliases.get(department.pk, [])
        return cls(county, departments)

    def _add(self, department):
        self.by_id[department.pk] = department
        names = {
            CODE: [department.code],
            NAME: [department.name],
            SHORT_NAME: [department.short_name] if department.short_name else [],
            ALIAS: list(getattr(department, "alias_names", ())),
        }
        for how, values in names.items():
            for value in values:
                self.layers[how][key(value)].add(department.pk)
                if how != CODE:
                    for form in reductions(key(value), self.counties):
                        self.normalised[form].add(department.pk)

    def find(self, value):
        """The department a cell names (None for a blank cell); CellError otherwise."""
        raw = text(value)
        if not raw:
            return None
        if raw in self.resolved:
            return self.resolved[raw].department
        if raw in self._errors:
            raise CellError(self._errors[raw])
        try:
            found, how = self._lookup(raw)
        except CellError as error:
            self._errors[raw] = error.message
            raise
        self.resolved[raw] = Resolution(raw, found, how)
        return found

    def _lookup(self, raw):
        written = key(raw)
        for how, layer in self.layers.items():
            if written in layer:
                return self._one(raw, layer[written]), how
        for form in reductions(written, self.counties):
            if form in self.normalised:
                return self._one(raw, self.normalised[form]), NORMALISED
        raise CellError(
            _("Unknown department “%(value)s”: no department of this county has that code, "
              "name, short name or alias.") % {"value": raw}
        )

    def _one(self, raw, ids):
        if len(ids) > 1:
            names = "、".join(sorted(self.by_id[pk].name for pk in ids))
            raise CellError(
                _("“%(value)s” could be several departments (%(names)s); use the "
                  "department's code or full name.") % {"value": raw, "names": names}
            )
        return self.by_id[next(iter(ids))]

    def new_aliases(self) -> list:
        """(department, written name) of the spellings found only by their normalised form."""
        return [
            (resolution.department, resolution.written)
            for resolution in self.resolved.values()
            if resolution.how == NORMALISED and len(resolution.written) <= 100
        ]
