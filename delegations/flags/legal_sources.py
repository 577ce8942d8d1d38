"""Legal sources by place: what a flag cites for the county it concerns.

Every rule (``delegations.flags.rules``) carries its **national** source (``Rule.source``:
行政处罚法, 行政许可法, 行政强制法, the 2019 中办国办实施意见, the 2024 履职事项清单意见 …). Where a
province has its own regulation for a rule, the office records it once
(``ProvinceSource``: province code, rule, citation; in the admin,
``delegations.flags.legal_sources_admin``), and the flags of that province's counties cite
it after the national source: "national；province". A county's province is the first two
digits of its code (GB/T 2260); a county never cites another province's document.

``source_for(rule, county, sources=None)`` is the one place the citation is composed. The
readers of the flag store (``delegations.flags.stored``: API, pages, cases, export) read the
province sources of the flags they show in one query (``LegalSources.for_counties``) and
pass them in, so a list costs one query for its sources whatever its length.
"""

from __future__ import annotations

from typing import Iterable

from delegations.flags.models import PROVINCES, ProvinceSource

SEPARATOR = "；"


def county_code_of(county) -> str:
    """A county's code from an instance, a code, or None (→ "")."""
    if county is None:
        return ""
    return str(getattr(county, "code", county) or "")


def province_of(county) -> str | None:
    """The province code (two digits, GB/T 2260) of a county (instance or code), or None when
    its code names no provincial-level division (the fictional demo county 999001)."""
    code = county_code_of(county)[:2]
    return code if code in PROVINCES else None


def _rule_code(rule) -> str:
    return getattr(rule, "code", rule)


def _national(rule) -> str:
    from delegations.flags.registry import RULES

    if isinstance(rule, str):
        import delegations.flags.rules  # noqa: F401  (registers the rules)

        rule = RULES[rule]
    return rule.source


class LegalSources:
    """The province sources of some provinces, read in one query: ``text(rule, province)``."""

    def __init__(self, texts: dict[tuple[str, str], str] | None = None, provinces=()):
        self.texts = dict(texts or {})
        self.provinces = frozenset(provinces)

    @classmethod
    def for_provinces(cls, provinces: Iterable[str | None]) -> "LegalSources":
        wanted = {p for p in provinces if p}
        if not wanted:
            return cls()
        rows = ProvinceSource.objects.filter(province__in=sorted(wanted)).values_list(
            "province", "rule", "text"
        )
        return cls({(province, rule): text for province, rule, text in rows}, wanted)

    @classmethod
    def for_counties(cls, counties: Iterable) -> "LegalSources":
        """The sources of the provinces of ``counties`` (instances or codes): one query, none
        when no county lies in a province."""
        return cls.for_provinces(province_of(c) for c in counties)

    def knows(self, province: str | None) -> bool:
        return not province or province in self.provinces

    def text(self, rule, province: str | None) -> str:
        if not province:
            return ""
        return self.texts.get((province, _rule_code(rule)), "")


def source_for(rule, county, sources: LegalSources | None = None) -> str:
    """What a flag of ``rule`` (a ``Rule`` or its code) in ``county`` (instance or code) cites:
    the rule's national source, then — where the county's province has its own — the
    province's ("national；province"). ``sources``: the province sources already read (one
    query for a whole list); without them, or when they lack the county's province, this
    county's are read (one query)."""
    national = _national(rule)
    province = province_of(county)
    if province is None:
        return national
    if sources is None or not sources.knows(province):
        sources = LegalSources.for_provinces([province])
    own = sources.text(rule, province).strip()
    return f"{national}{SEPARATOR}{own}" if own else national


def office_provinces(user) -> set[str] | None:
    """The provinces whose sources ``user`` may set: None for every province (a superuser, an
    office user of every county), the province of its county for a county office (empty when
    that county lies in none), nothing for anyone else."""
    from townships import access

    if access.role_of(user) != access.OFFICE:
        return set()
    county_id = access.office_county_id(user)
    if county_id is None:
        return None
    county = access.user_county(user)
    province = province_of(county)
    return {province} if province else set()
