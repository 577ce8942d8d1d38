"""Placing a sheet's columns: which canonical field each header stands for.

A header is placed in three steps (docs/excel.md, "表头怎样识别"):

1. its normalised text is a canonical header or one of its aliases (spec.py);
2. the same with a bracketed note dropped ("法律依据（条款）" is 法律依据);
3. by what it says: the last word of a Chinese header names what the column holds, so a
   header ending in 依据 is the legal basis, one naming 事项/职权/权力/项目 + 名称 (or ending in
   事项) is the item's name, 类型/类别 on the power list is the category, … (``RULES``).

When two columns stand for the same field, the better-placed one wins (canonical header,
then alias, then meaning; leftmost on a tie) and the other is reported as a warning naming
both. A column that no rule places is ignored and reported; when it still looks like a field
(a header mentioning 法规 may hold the legal basis) the warning says which.

Two-row headers: a cell under a merged parent is tried as "parent/child" first
(``职责边界划分/县级部门``); a parent that names duties (职责, 责任, 分工, 划分) makes its
children duties of the party they name ("县级部门" under it is the department's duty).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from duties.excel import spec
from duties.excel.spec import IGNORED_HEADERS, Sheet, normalise_header

HEADER_SEARCH_ROWS = 10  # the header row is looked for in the first 10 rows

CANONICAL, ALIAS, MEANING = 0, 1, 2  # how a column was placed, best first

_NOTE_RE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def strip_notes(name: str) -> str:
    """A normalised header without its bracketed notes: "法律依据(条款)" -> "法律依据"."""
    return _NOTE_RE.sub("", name)


# --------------------------------------------------------------------------- meaning rules


@dataclass(frozen=True)
class Rule:
    """``key`` when the header ends with one of ``ends`` (if given), contains one of ``has``
    (if given), contains none of ``lacks``, or is one of ``equals``."""

    key: str
    ends: tuple = ()
    has: tuple = ()
    lacks: tuple = ()
    equals: tuple = ()

    def matches(self, name: str) -> bool:
        if name in self.equals:
            return True
        if not (self.ends or self.has):
            return False
        return (
            (not self.ends or name.endswith(self.ends))
            and (not self.has or any(word in name for word in self.has))
            and not any(word in name for word in self.lacks)
        )


_PARTIES = ("部门", "单位", "机构", "机关", "科室")
_DEPARTMENT_ENDS = ("部门", "单位", "机关")
_DUTY_ENDS = ("职责", "责任", "任务", "分工")
_DUTY_PARENT_ENDS = ("职责", "责任", "分工", "划分", "边界")

_HEAD = (
    Rule("effective_from", ends=("日期", "时间"), has=("生效", "施行", "实施", "起始", "执行", "启用")),
    Rule("sub_item", has=("子项",)),
    Rule("code", ends=("编码", "代码", "编号"), lacks=("部门", "单位", "乡镇", "区划", "机构", "文")),
)
_TAIL = (
    Rule("legal_basis", ends=("依据",), lacks=("追责", "问责", "责任")),
    Rule("name", ends=("名称",), has=("事项", "职权", "权力", "项目", "任务", "职责", "清单"), lacks=_PARTIES),
    Rule("name", ends=("事项",), lacks=("责任", *_PARTIES)),
    Rule("name", equals=("名称", "事项内容", "具体内容", "工作事项")),
    Rule("scope", has=("适用",)),
    Rule("scope", ends=("乡镇", "街道", "镇街"), has=("实施", "涉及", "承接", "覆盖")),
    Rule("notes", ends=("备注",)),
    Rule("notes", equals=("说明", "备注说明")),
)
_SHEET_RULES = {
    spec.POWER: (
        Rule("responsibility_stages", has=("责任",), ends=("事项", "环节", "内容")),
        Rule("accountability_cases", has=("追责", "问责", "责任追究")),
        Rule("accountability_cases", ends=("情形",)),
        Rule("category", ends=("类型", "类别", "种类", "分类")),
        Rule("handling_office", has=("承办", "科室", "股室", "站所")),
        Rule("handling_office", ends=("机构",)),
        Rule("department", ends=_DEPARTMENT_ENDS),
        Rule("source", ends=("来源",)),
        Rule("source", ends=("方式",), has=("赋权", "下放", "委托", "承接", "行使", "放权")),
    ),
    spec.TERRITORIAL: (
        Rule("cooperating_departments", ends=("部门", "单位"), has=("协同", "配合", "协助", "协办", "参与")),
        Rule("lead_department", ends=_DEPARTMENT_ENDS),
        Rule("township_duty", ends=_DUTY_ENDS, has=("乡镇", "街道", "镇街", "属地")),
        Rule("department_duty", ends=_DUTY_ENDS, has=("部门", "主体", "上级", "县级", "主管", "主责", "牵头")),
        Rule("township_duty", ends=_DUTY_ENDS, has=("配合", "协助")),
        Rule("domain", ends=("领域", "分类", "类别", "类型", "行业")),
    ),
    spec.ADMISSION: (
        Rule("approval_document", ends=("文号", "批准文件", "审批文件", "批复文件")),
        Rule("approved_on", ends=("日期", "时间"), has=("批准", "审批", "准入", "批复")),
        Rule("effective_to", ends=("有效期", "有效期至", "有效期限", "截止日期", "截止时间", "期限",
                                   "到期日期", "终止日期")),
        Rule("staff_posts", has=("编制",)),
        Rule("funding_wan_yuan", has=("经费", "资金")),
        Rule("admission_mode", ends=("方式",)),
        Rule("requesting_department", ends=_DEPARTMENT_ENDS),
    ),
    spec.RECLAIMED: (
        Rule("receiving_department", ends=_DEPARTMENT_ENDS),
        Rule("working_method", ends=("方式", "机制", "办法", "措施")),
    ),
}
# Words that make an unplaced header look like a field (a warning, never a placement).
_HINTS = (
    ("legal_basis", ("依据", "法律", "法规", "规章", "条例", "条款", "政策", "文件")),
    ("name", ("名称", "事项", "职权", "权力")),
    ("category", ("类",)),
    ("department", ("部门", "单位", "局")),
    ("lead_department", ("部门", "单位", "局")),
    ("requesting_department", ("部门", "单位", "局")),
    ("receiving_department", ("部门", "单位", "局")),
)


@lru_cache(maxsize=None)
def rules_for(kind: str) -> tuple:
    """The meaning rules of a sheet (the lists only: the townships and departments sheets are
    matched by their headers and aliases)."""
    if kind not in _SHEET_RULES:
        return ()
    keys = {column.key for column in spec.SHEETS[kind].columns}
    rules = (*_HEAD, *_SHEET_RULES[kind], *_TAIL)
    return tuple(rule for rule in rules if rule.key in keys)


def meaning_of(kind: str, name: str) -> str | None:
    """The field a normalised header stands for by what it says, or None."""
    if "/" in name:
        parent, _slash, child = name.rpartition("/")
        parent, child = strip_notes(parent), strip_notes(child)
        if parent.endswith(_DUTY_PARENT_ENDS) and not child.endswith(_DUTY_ENDS):
            return meaning_of(kind, child + "职责")
        return None
    rules = rules_for(kind)
    for text in dict.fromkeys((strip_notes(name), name)):  # "人员保障(编制)": the note tells
        for rule in rules:
            if rule.matches(text):
                return rule.key
    return None


def hint_of(kind: str, name: str) -> str | None:
    """The field an unplaced header may hold, for the warning."""
    keys = {column.key for column in spec.SHEETS[kind].columns}
    for key, words in _HINTS:
        if key in keys and any(word in name for word in words):
            return key
    return None


# --------------------------------------------------------------------------- one header row


@dataclass(frozen=True)
class HeaderWarning:
    """A column that a field could have come from but did not: ``label`` as written, the
    field ``key`` it may hold, and ``winner``, the column the field was taken from instead
    (None when no column gave that field)."""

    label: str
    key: str
    winner: str | None = None


@dataclass
class HeaderMatch:
    score: int
    first_row: int  # Excel row number of the (first) header row
    last_row: int  # Excel row number of the last header row (first_row or first_row + 1)
    columns: dict  # key -> column index
    labels: dict  # key -> header as written in the file
    ranks: dict  # key -> CANONICAL | ALIAS | MEANING
    unknown: list  # headers of the columns that were not placed, as written
    warnings: list = field(default_factory=list)  # HeaderWarning

    @property
    def rank(self):
        """Which of two candidate header rows is the header: more placed columns, then more
        placed by their header or alias."""
        return (self.score, sum(1 for rank in self.ranks.values() if rank != MEANING))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _display(text: str) -> str:
    return re.sub(r"\s+", "", text)


class _Placer:
    """Places the candidate names of one column (see the module doc)."""

    def __init__(self, sheet: Sheet):
        self.kind = sheet.kind
        self.lookup = sheet.lookup()
        self.canonical = {normalise_header(column.header): column.key for column in sheet.columns}

    def place(self, candidates):
        """(key, rank, label) for the first candidate that places, else None."""
        for name, label in candidates:
            for text in (name, strip_notes(name)):
                key = self.lookup.get(text)
                if key is not None:
                    rank = CANONICAL if self.canonical.get(text) == key else ALIAS
                    return key, rank, label
        for name, label in candidates:
            key = meaning_of(self.kind, name)
            if key is not None:
                return key, MEANING, label
        return None


def _candidates(top, bottom, index, parent):
    """The names a column may be known by, and its parent for the next column."""
    top_text = _text(top[index]) if index < len(top) else ""
    bottom_text = _text(bottom[index]) if bottom is not None and index < len(bottom) else ""
    if top_text:
        parent = top_text
    candidates = []  # (normalised name, label as written)
    if bottom is not None and bottom_text:
        if parent:
            candidates.append((f"{normalise_header(parent)}/{normalise_header(bottom_text)}",
                               f"{_display(parent)}/{_display(bottom_text)}"))
        candidates.append((normalise_header(bottom_text), _display(bottom_text)))
    elif top_text:
        candidates.append((normalise_header(top_text), _display(top_text)))
        if bottom is not None:
            parent = ""  # a header spanning both rows ends any merged group
    return candidates, parent


def match_row(sheet: Sheet, placer: _Placer, top: list, bottom: list | None, first_row: int):
    """Map the columns of a one-row (``bottom`` None) or two-row header."""
    placed, unknown = [], []  # placed: (rank, index, key, label)
    width = max(len(top), len(bottom or []))
    parent = ""
    for index in range(width):
        candidates, parent = _candidates(top, bottom, index, parent)
        if not candidates:
            continue
        found = placer.place(candidates)
        if found is not None:
            key, rank, label = found
            placed.append((rank, index, key, label))
        elif not any(name in IGNORED_HEADERS for name, _label in candidates):
            unknown.append((index, candidates[-1][1], candidates[-1][0]))
    columns, labels, ranks, losers = {}, {}, {}, []
    for rank, index, key, label in sorted(placed):
        if key in columns:
            losers.append((index, label, key))
            continue
        columns[key], labels[key], ranks[key] = index, label, rank
    warnings = [HeaderWarning(label, key, labels[key]) for _index, label, key in sorted(losers)]
    for _index, label, name in unknown:
        key = hint_of(sheet.kind, name)
        if key is not None:
            warnings.append(HeaderWarning(label, key, labels.get(key)))
    unplaced = sorted([(i, label) for i, label, _name in unknown] + [(i, label) for i, label, _k in losers])
    unplaced = [label for _index, label in unplaced]
    last_row = first_row + (1 if bottom is not None else 0)
    return HeaderMatch(len(columns), first_row, last_row, columns, labels, ranks, unplaced, warnings)


def _is_blank_row(values) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


def find_header(sheet: Sheet, head: list[list]) -> HeaderMatch | None:
    """The best header among the first rows: a single row, or two rows with merged parents
    (``职责边界划分`` over ``县级部门 | 乡镇（街道）``). Title lines above score nothing."""
    placer = _Placer(sheet)
    best, best_rank = None, None
    for index in range(min(HEADER_SEARCH_ROWS, len(head))):
        top = head[index]
        if _is_blank_row(top):
            continue
        candidates = [match_row(sheet, placer, top, None, index + 1)]
        if index + 1 < len(head) and not _is_blank_row(head[index + 1]):
            candidates.append(match_row(sheet, placer, top, head[index + 1], index + 1))
        for match in candidates:
            # On a tie a one-row header wins (a title line above a one-row header must not
            # pass for the parent row of a two-row header).
            rank = (*match.rank, match.first_row == match.last_row)
            if match.score and (best_rank is None or rank > best_rank):
                best, best_rank = match, rank
    return best
