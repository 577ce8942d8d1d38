"""Importing the townships and departments sheets (the county's directory).

Each row names its county (区县代码) or takes the county chosen for the import. A townships
sheet naming a county that does not exist creates it (with its 区县名称) when the importing
user may create counties: an office user not limited to one county, or a superuser (a run
without a user, such as a dry run from the command line, previews as such a user would). An
office user limited to county A may import rows of county A only. The first name in a
department's 简称 cell is its short name, the others are registered as aliases.
"""

from __future__ import annotations

import re
from collections import defaultdict

from django.utils.translation import gettext as _

from duties.excel import spec
from duties.excel.base import NEW, SKIP, UPDATE, BaseImporter, RowOutcome, row_label, update_values
from duties.excel.values import parse_choice, parse_decimal, parse_int, text

_ALIAS_SPLIT_RE = re.compile(r"[、,，;；\n]+")


def may_create_counties(user) -> bool:
    """Whether importing ``user`` may create a county: an office user of every county or a
    superuser (``None``: no user, a preview)."""
    from townships.access import OFFICE, office_county_id, role_of

    if user is None:
        return True
    return role_of(user) == OFFICE and office_county_id(user) is None


class _CountyRowsMixin:
    """Townships and departments name their county in each row (区县代码), or take the
    county chosen for the import (``county``, or ``county_code`` for a county a townships
    sheet may create)."""

    creates_counties = False

    def __init__(self, *, county_code="", **kwargs):
        super().__init__(**kwargs)
        self.county_code = county_code or (self.county.code if self.county is not None else "")

    def _prefetch_counties(self, table):
        from townships.access import office_county_id
        from townships.models import County

        codes = set()
        index = table.columns.get("county_code")
        if index is not None:
            codes = {text(values[index]) for _n, values in table.rows if index < len(values)}
        if self.county_code:
            codes.add(self.county_code)
        self.counties = {c.code: c for c in County.objects.filter(code__in=codes - {""})}
        self.new_counties = {}
        self.own_county_id = office_county_id(self.user) if self.user is not None else None
        self.own_county = (
            County.objects.filter(pk=self.own_county_id).first() if self.own_county_id else None
        )

    def _county(self, cells):
        code = text(cells.get("county_code")) if self.has("county_code") else ""
        expected = self.county_code
        if expected and code and code != expected:
            named = self.county or self.counties.get(expected)
            self._error("county_code", _(
                "This row is for county %(code)s, but the import is for %(county)s "
                "(%(county_code)s)."
            ) % {"code": code, "county": named.name if named else expected, "county_code": expected})
            return None
        code = code or expected
        if not code:
            self._error("county_code" if self.has("county_code") else "", _(
                "No county: fill in the county code (区县代码) or choose the county to import "
                "into."
            ))
            return None
        if not self._own(code):
            return None
        county = self.counties.get(code) or self.new_counties.get(code)
        if county is not None:
            return county
        if not self.creates_counties:
            self._error("county_code", _("Unknown county %(code)s.") % {"code": code})
            return None
        if not may_create_counties(self.user):
            self._error("county_code", _(
                "Unknown county %(code)s. Only an office account of every county (or a "
                "superuser) may create a county."
            ) % {"code": code})
            return None
        return self._new_county(code, cells)

    def _own(self, code) -> bool:
        """An office user limited to one county imports rows of that county only."""
        if self.own_county is None or code == self.own_county.code:
            return True
        self._error("county_code" if self.has("county_code") else "", _(
            "This row is for county %(code)s; your account may import only into %(county)s "
            "(%(county_code)s)."
        ) % {"code": code, "county": self.own_county.name, "county_code": self.own_county.code})
        return False

    def _new_county(self, code, cells):
        from townships.models import County

        if not re.fullmatch(r"[0-9]{6}", code):
            self._error("county_code", _("A county code is 6 digits."))
            return None
        name = text(cells.get("county_name")) if self.has("county_name") else ""
        if not name:
            self._error("county_code", _(
                "Unknown county %(code)s; give its name (区县名称) to create it."
            ) % {"code": code})
            return None
        if len(name) > 50:
            self._error("county_name", _(
                "The text is %(length)s characters long; at most %(limit)s are allowed."
            ) % {"length": len(name), "limit": 50})
            return None
        county = County(code=code, name=name)
        self.new_counties[code] = county
        return county

    def finish(self):
        super().finish()
        self.report.new_counties = list(self.new_counties.values())


# --------------------------------------------------------------------------- townships


class TownshipImporter(_CountyRowsMixin, BaseImporter):
    sheet = spec.SHEETS[spec.TOWNSHIPS]
    needs_county = False
    creates_counties = True

    def prepare(self, table):
        from townships.models import Township

        self._prefetch_counties(table)
        known = Township.objects.filter(county__code__in=list(self.counties))
        self.townships_by_code = {t.code: t for t in known}
        self.by_name = {(t.county_id, t.name): t for t in self.townships_by_code.values()}
        codes = set()
        index = table.columns.get("code")
        if index is not None:
            codes = {text(values[index]) for _n, values in table.rows if index < len(values)}
        self.elsewhere = {
            t.code: t
            for t in Township.objects.filter(code__in=codes - {""})
            .exclude(county__code__in=list(self.counties))
            .select_related("county")
        }
        self.seen_codes = {}
        self.seen_names = {}

    def _values(self, cells):
        values = {}
        if self.has("kind"):
            values["kind"] = self.cell(
                cells, "kind", parse_choice, spec.TOWNSHIP_KIND_LABELS,
                spec.TOWNSHIP_KIND_VARIANTS, "town", what=_("township kind"),
            )
        if self.has("category"):
            values["category"] = self.cell(
                cells, "category", parse_choice, spec.TOWNSHIP_CATEGORY_LABELS,
                spec.TOWNSHIP_CATEGORY_VARIANTS, "general", what=_("township category"),
            )
        if self.has("population"):
            values["population"] = self.cell(cells, "population", parse_int)
        if self.has("area_km2"):
            values["area_km2"] = self.cell(
                cells, "area_km2", parse_decimal, places=2, max_digits=10, positive=True,
                suffixes=("平方公里", "km²", "km2"),
            )
        return values

    def plan_row(self, number, cells):
        from townships.models import Township

        county = self._county(cells)
        code = self.text_cell(cells, "code", single_line=True)
        name = self.text_cell(cells, "name", 50, single_line=True)
        values = self._values(cells)
        if self._row_errors or county is None or not self._check(number, county, code, name):
            return None
        values["name"] = name
        township = self.townships_by_code.get(code)
        if township is None:
            township = Township(county=county, code=code)
            update_values(township, values)
            action, changes = NEW, []
        else:
            changes = update_values(township, values)
            action = UPDATE if changes else SKIP
        outcome = RowOutcome(number, action, row_label(code, name), {}, self.headers_of(changes))
        self.plans.append((township, action, changes, outcome))
        return outcome

    def _check(self, number, county, code, name) -> bool:
        """The code and name of a township row: present, well-formed and not taken."""
        problem = self._code_problem(county, code)
        if problem:
            self._error("code", problem)
            return False
        if not name:
            self.required_error("name")
            return False
        county_key = county.pk or ("new", county.code)
        other = self.by_name.get((county.pk, name)) if county.pk else None
        if (county_key, name) in self.seen_names:
            self._error("name", _("Row %(row)s already has a township of this name.")
                        % {"row": self.seen_names[(county_key, name)]})
            return False
        if other is not None and other.code != code:
            self._error("name", _("Township %(code)s of this county already has this name.")
                        % {"code": other.code})
            return False
        self.seen_codes[code] = number
        self.seen_names[(county_key, name)] = number
        return True

    def _code_problem(self, county, code):
        if not code:
            return _("This cell cannot be blank.")
        if not re.fullmatch(r"[0-9]{9}", code):
            return _("A township code is 9 digits.")
        if not code.startswith(county.code):
            return _("A township code starts with its county's code (%(code)s).") % {"code": county.code}
        if code in self.elsewhere:
            other = self.elsewhere[code]
            return _("This code belongs to %(township)s of %(county)s.") % {
                "township": other.name, "county": other.county.name}
        if code in self.seen_codes:
            return _("The same township is already on row %(row)s of this file.") % {
                "row": self.seen_codes[code]}
        return None

    def apply(self):
        from townships.models import County, Township

        if self.new_counties:
            County.objects.bulk_create(list(self.new_counties.values()))
        new = [t for t, action, _c, _o in self.plans if action == NEW]
        for township in new:
            township.county = township.county  # new counties have their ids now
        if new:
            Township.objects.bulk_create(new, batch_size=500)
        changed = [t for t, action, _c, _o in self.plans if action == UPDATE]
        if changed:
            fields = sorted({f for _t, action, c, _o in self.plans if action == UPDATE for f in c})
            Township.objects.bulk_update(changed, fields, batch_size=500)
        for township, _action, _changes, outcome in self.plans:
            outcome.obj = township


# --------------------------------------------------------------------------- departments


class DepartmentImporter(_CountyRowsMixin, BaseImporter):
    sheet = spec.SHEETS[spec.DEPARTMENTS]
    needs_county = False

    def prepare(self, table):
        from townships.models import Department, DepartmentAlias

        self._prefetch_counties(table)
        departments = list(Department.objects.filter(county__code__in=list(self.counties)))
        self.by_code = {(d.county_id, d.code): d for d in departments}
        self.by_id = {d.pk: d for d in departments}
        self.aliases = defaultdict(dict)  # department id -> {alias name: alias row}
        for alias in DepartmentAlias.objects.filter(department__in=departments):
            self.aliases[alias.department_id][alias.name] = alias
        self.seen_codes = {}

    def _names(self, cells, name, values):
        """The short name (into ``values``) and the set of aliases of a 简称 cell; None when
        the file has no 简称 column."""
        if not self.has("short_name"):
            return None
        # The first name is the short name, the others aliases ("、应急局": no short name).
        raw = text(cells.get("short_name"))
        parts = [part.strip() for part in _ALIAS_SPLIT_RE.split(raw)] if raw else [""]
        short = parts[0]
        aliases = [p for p in dict.fromkeys(parts[1:]) if p and p not in (name, short)]
        if len(short) > 50:
            self._error("short_name", _("The short name is longer than %(limit)s characters.")
                        % {"limit": 50})
        elif any(len(n) > 100 for n in aliases):
            self._error("short_name", _("An alias is longer than %(limit)s characters.")
                        % {"limit": 100})
        values["short_name"] = short
        return set(aliases)

    def plan_row(self, number, cells):
        from townships.models import Department

        county = self._county(cells)
        code = self.text_cell(cells, "code", 32, single_line=True)
        name = self.text_cell(cells, "name", 100, single_line=True)
        values = {}
        if self.has("kind"):
            values["kind"] = self.cell(
                cells, "kind", parse_choice, spec.DEPARTMENT_KIND_LABELS,
                spec.DEPARTMENT_KIND_VARIANTS, "government", what=_("department kind"),
            )
        alias_names = self._names(cells, name, values)
        if self._row_errors or county is None or not self._check(number, county, code, name):
            return None
        values["name"] = name
        department = self.by_code.get((county.pk, code))
        if department is None:
            department = Department(county=county, code=code)
            update_values(department, values)
            action, changes = NEW, []
        else:
            changes = update_values(department, values)
            if alias_names is not None and alias_names != set(self.aliases[department.pk]):
                changes.append("short_name")
            action = UPDATE if changes else SKIP
        outcome = RowOutcome(number, action, row_label(code, name), {}, self.headers_of(changes))
        self.plans.append((department, action, changes, alias_names, outcome))
        return outcome

    def _check(self, number, county, code, name) -> bool:
        for key, value in (("code", code), ("name", name)):
            if not value:
                self.required_error(key)
                return False
        if (county.pk, code) in self.seen_codes:
            self._error("code", _("The same department is already on row %(row)s of this file.")
                        % {"row": self.seen_codes[(county.pk, code)]})
            return False
        self.seen_codes[(county.pk, code)] = number
        return True

    def finish(self):
        """No two departments of a county may answer to the same name (full name, short name
        or alias), once the file is applied."""
        answers = self._answers()
        owners = defaultdict(list)
        for key, (county, _full, names, _row) in answers.items():
            for name in names:
                owners[(county, name)].append(key)
        for (_county, name), keys in owners.items():
            if len(keys) > 1:
                self._clash(answers, name, keys)

    def _answers(self):
        """department key -> (county, full name, {the names it answers to}, row or None)."""
        answers = {}
        for department in self.by_id.values():
            names = {department.name, department.short_name, *self.aliases[department.pk]}
            answers[department.pk] = (department.county_id, department.name, names - {""}, None)
        for department, _action, _changes, alias_names, outcome in self.plans:
            key = department.pk or ("new", department.county.code, department.code)
            if alias_names is None:
                aliases = set(self.aliases[department.pk]) if department.pk else set()
            else:
                aliases = alias_names
            names = {department.name, department.short_name, *aliases} - {""}
            answers[key] = (department.county.pk or department.county.code, department.name,
                            names, outcome.row)
        return answers

    def _clash(self, answers, name, keys):
        for key in keys:
            _county, full, _names, row = answers[key]
            if row is None:
                continue
            other = next(answers[k][1] for k in keys if k != key)
            column = "name" if name == full else "short_name"
            self._error(column, _("“%(name)s” already names %(department)s.")
                        % {"name": name, "department": other}, row=row)

    def apply(self):
        from townships.models import Department, DepartmentAlias

        new = [d for d, action, _c, _a, _o in self.plans if action == NEW]
        if new:
            Department.objects.bulk_create(new, batch_size=500)
        changed = [d for d, action, c, _a, _o in self.plans if action == UPDATE]
        fields = sorted({f for _d, action, c, _a, _o in self.plans if action == UPDATE for f in c})
        if changed and fields:
            Department.objects.bulk_update(changed, fields, batch_size=500)
        stale, fresh = [], []
        for department, action, _c, alias_names, outcome in self.plans:
            outcome.obj = department
            if alias_names is None:
                continue
            current = self.aliases.get(department.pk, {}) if action != NEW else {}
            stale.extend(alias.pk for name, alias in current.items() if name not in alias_names)
            fresh.extend(
                DepartmentAlias(department=department, name=name)
                for name in sorted(alias_names)
                if name not in current
            )
        if stale:
            DepartmentAlias.objects.filter(pk__in=stale).delete()
        if fresh:
            DepartmentAlias.objects.bulk_create(fresh, batch_size=500)
