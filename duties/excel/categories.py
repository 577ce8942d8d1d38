"""权力类型 as counties print them, mapped to the canonical set by rules (docs/excel.md, "权力类型").

The canonical set is the ten categories of the national power-list guideline (行政许可, 行政处罚,
行政强制, 行政征收, 行政给付, 行政检查, 行政确认, 行政奖励, 行政裁决, 其他行政权力) plus 公共服务 and
其他. A cell is read as follows (whitespace, brackets and their content, a leading number such
as "一、" and 其它 → 其他 are normalised first):

1. trailing 类 / 事项 / 项 / 权 / 权力 / 职权 / 行为 are dropped ("行政许可类", "行政处罚事项");
2. it names one of the nine acts, with or without 行政 ("行政许可", "许可", "行政强制措施",
   "行政监督检查", "表彰奖励"): that category — unless it starts with 非 ("非行政许可审批") or
   names two different acts ("行政检查、行政处罚"), which is not one category;
3. 其他 followed by anything (其他行政权力, 其它行政权力, 其他权力, 其他职权, 其他行政职权) is 其他行政权力;
   其他 alone (其他, 其他类, 其他事项) is 其他;
4. ending in 服务 (公共服务, 公共服务事项, 便民服务) is 公共服务;
5. an administrative act some provinces list as a category of its own (行政备案, 行政调解,
   行政监督, 行政指导, 行政复议, 行政协助, 审核转报, 非行政许可审批) is 其他行政权力;
6. anything else is a row error naming the value; a blank cell is 其他.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.utils.translation import gettext as _

from duties.excel.errors import CellError
from duties.excel.spec import CATEGORY_LABELS, normalise_header
from duties.excel.values import text as cell_text

OTHER = "other"
OTHER_POWER = "other_power"
PUBLIC_SERVICE = "public_service"

# The act each of the nine named categories is about (and its usual synonyms).
_ACTS = {
    "licensing": ("许可", "审批"),
    "penalty": ("处罚",),
    "coercion": ("强制",),
    "levy": ("征收", "征用"),
    "payment": ("给付",),
    "inspection": ("检查",),
    "confirmation": ("确认",),
    "reward": ("奖励",),
    "adjudication": ("裁决",),
}
# Acts that are administrative powers but none of the nine (categories some provinces add).
_OTHER_ACTS = ("备案", "调解", "监督", "指导", "复议", "协助", "转报", "审核")
_SUFFIXES = ("类", "事项", "项", "权力", "职权", "权", "行为")
_NUMBERING_RE = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|\d+[、.．]|\(\w{1,3}\))")
_NOTES_RE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_OTHER_SUFFIX_RE = re.compile(r"(类|事项|项)+$")


def _plain(raw: str) -> str:
    text = normalise_header(raw).replace("其它", "其他")
    return _NOTES_RE.sub("", _NUMBERING_RE.sub("", text))


def _without_suffixes(text: str) -> str:
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if len(text) > len(suffix) and text.endswith(suffix):
                text = text[: -len(suffix)]
                changed = True
    return text


def _acts_named(text: str) -> set:
    return {code for code, words in _ACTS.items() if any(word in text for word in words)}


@lru_cache(maxsize=512)
def category_of(raw: str) -> str | None:
    """The canonical category of a cell's text, or None when it names none."""
    plain = _plain(raw)
    if plain.startswith("其他"):
        # 其他 alone (其他类, 其他事项) is 其他; 其他 + what (其他权力, 其他行政职权…) 其他行政权力.
        return OTHER_POWER if _OTHER_SUFFIX_RE.sub("", plain[2:]) else OTHER
    text = _without_suffixes(plain)
    labels = {label: code for code, label in CATEGORY_LABELS.items()}
    if text in labels:
        return labels[text]
    if text.lower() in CATEGORY_LABELS:
        return text.lower()
    if text.endswith("服务"):
        return PUBLIC_SERVICE
    if text.startswith("非"):
        return OTHER_POWER if _acts_named(text) or _names_other_act(text) else None
    acts = _acts_named(text)
    if len(acts) == 1:
        return acts.pop()
    if not acts and _names_other_act(text):
        return OTHER_POWER
    return None


def _names_other_act(text: str) -> bool:
    return any(word in text for word in _OTHER_ACTS)


def parse_category(value) -> str:
    """权力类型 of a cell (blank: 其他); CellError for a word that names no category."""
    raw = cell_text(value)
    if not raw:
        return OTHER
    code = category_of(raw)
    if code is None:
        raise CellError(
            _("Unknown category “%(value)s”; use one of %(choices)s.")
            % {"value": raw, "choices": "、".join(CATEGORY_LABELS.values())}
        )
    return code
