"""Reading a pasted notice (通知) as a township reads it: which tasks it hands down, who sends it.

A county department writes a notice the way official documents are written (党政机关公文格式):
a heading (``示范县应急管理局关于开展……的通知``, sometimes under a 文头 ``……文件`` and a
文号), the addressees (``各乡镇人民政府、街道办事处：``), an opening (``为……，现将有关事项
通知如下：``), the body — numbered items (``一、`` / ``（一）`` / ``1.`` / ``（1）`` / ``①``, in
any nesting) or plain sentences, sometimes ``一是……二是……`` inside a paragraph — a closing
(``特此通知。``), attachments, the contact (``联系人：…… 电话：……``), the issuer's signature,
the date and the imprint (``抄送：……`` / ``……办公室 2026年5月20日印发``).

:func:`parse_notice` splits such a text into

- ``tasks``: the leaves of the numbering (items under 工作要求 / 保障措施 and the like, and
  items that only say "加强组织领导" or "及时报送信息", are requirements, not tasks); without
  numbering, the sentences with a task verb; a text that is neither (a short title) is one
  task;
- ``issuer_names``: the names the notice gives its issuer, most reliable first — the heading's
  ``……关于``, the 文头, the signature line(s), the imprint's ``……印发`` line (the 抄送 line names
  recipients, never the issuer); ``document_prefixes``: the abbreviation its own 文号 gives
  the issuer (``示应急〔2026〕8号``), the last resort.

:func:`matching_text` gives the part of a task that says which duty is meant: the opening,
reporting and requirement clauses dropped, and the words that say nothing about the duty
masked — dates and numbers, the county's and the departments' names, and the generic words of
administrative prose and of list entries (``GENERIC_WORDS``: 事项, 工作, 有关, 开展 …).

The module only reads text; finding the departments and matching the tasks is
``duties.notice_check``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Words that say nothing about which duty is meant: administrative prose, addressees, and the
# generic words of list entries. Masked (as whole substrings, longest first) before matching.
GENERIC_WORDS = tuple(
    """
    事项 事宜 有关 相关 工作 任务 各项 各类 相应 具体 情况 要求 部署 安排 通知 文件 精神
    开展 做好 抓好 进行 加强 强化 切实 认真 积极 及时 全面 深入 扎实 持续 进一步 推进 推动
    落实 组织 实施 确保 务必 严格 按照 根据 结合 实际 有效 全力 迅速 主动 集中 统一
    属地管理 属地责任 属地 辖区内 本辖区 辖区 辖内 范围内 全县 我县 本县 全镇 全乡 全区 全市
    各乡镇人民政府 各乡镇（街道） 各乡镇(街道) 各乡（镇） 各乡(镇) 乡镇人民政府 街道办事处 人民政府
    各乡镇 各街道 乡镇（街道） 乡镇(街道) 乡镇 街道 各村（社区） 各村(社区) 村（社区） 村(社区) 各村
    县直有关单位 县直各部门 县直单位 有关单位 有关部门 相关部门 主管部门 行业主管部门 职能部门 县级部门 县局
    负责同志 主要负责人 同志 单位 部门
    """.split()
)

# Verbs that make a plain sentence a task ("请各乡镇开展……", "各乡镇要完成……").
TASK_VERBS = tuple(
    """
    开展 完成 组织 落实 做好 抓好 排查 检查 巡查 巡护 摸排 摸底 核查 核实 核验 审核 初审 审查 受理
    登记 整治 整改 清理 治理 宣传 督促 配合 协助 实施 建立 制定 处置 监测 调解 养护 免疫 救助
    发放 统计 采集 普查 申报 办理 管护 保洁 劝阻 制止 查处 走访 慰问 培训 演练 值守 值班 防控
    清查 抽查 评估 认定 确认 征收 征集 收集 签订 推广 创建 迎检 转运 报告
    """.split()
)

_CN_DIGITS = "一二三四五六七八九十百〇零"
# Item numbering, one pattern per style; the order in which styles first appear in a notice
# gives their nesting depth.
MARKERS = (
    ("cn", re.compile(rf"^[{_CN_DIGITS}]{{1,3}}\s*[、．.]\s*")),
    ("cn_paren", re.compile(rf"^[（(]\s*[{_CN_DIGITS}]{{1,3}}\s*[）)]\s*[、．.]?\s*")),
    ("arabic", re.compile(r"^\d{1,2}\s*(?:[、．]|\.(?!\d))\s*")),
    ("arabic_paren", re.compile(r"^[（(]\s*\d{1,2}\s*[）)]\s*[、．.]?\s*")),
    ("circled", re.compile(r"^[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳]\s*")),
)
# A numbered item written inside a paragraph (text pasted without its line breaks).
_INLINE_MARKER = re.compile(
    rf"(?<=[。；;：:！!？?])\s*(?=(?:[{_CN_DIGITS}]{{1,3}}、|[（(][{_CN_DIGITS}]{{1,3}}[）)]"
    r"|[（(]\d{1,2}[）)]|\d{1,2}[、．]|[①②③④⑤⑥⑦⑧⑨⑩]))"
)
# A heading and the addressees, or a last sentence and the signature with the date, pasted on
# one line.
_INLINE_HEADING = re.compile(r"(?<=通知|通报|意见|方案)\s+(?=各)")
_DATE = (
    r"(?:\d{4}|[二〇零一三四五六七八九]{4})\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月"
    r"\s*[\d一二三四五六七八九十]{1,3}\s*日"
)
_DATE_RE = re.compile(_DATE)
_INLINE_SIGNATURE = re.compile(rf"(?<=[。！!；;])\s*(?=[^。；;，,：:]{{2,40}}\s*{_DATE}\s*$)")
# "一是……；二是……；三是……" inside a paragraph.
_ENUMERATION = re.compile(rf"(?:^|(?<=[。；;，,：:]))\s*[{_CN_DIGITS}]{{1,2}}是\s*")

_SPACES = re.compile(r"[ \t\u3000\u00a0\u2002\u2003]+")
_SENTENCE = re.compile(r"[^。；;！!？?]+[。；;！!？?]*")
_CLAUSE_SPLIT = re.compile(r"[，,：:、]")
_END_PUNCT = "。；;！!？?，,：:、 "

_DATE_LINE = re.compile(rf"^[（(]?\s*{_DATE}\s*[）)]?\s*(?:[（(][^）)]*[）)])?$")
_IMPRINT = re.compile(rf"^(?P<name>.+?)\s*{_DATE}\s*(?:印发|印制|发)$")
_MASTHEAD = re.compile(r"^(?P<name>.{2,40}?)\s*文件$")
_HEADING_ISSUER = re.compile(r"^(?P<names>.{2,80}?)(?:关于|转发|印发)")
_HEADING = re.compile(
    r"(关于.{2,}的|(?:紧急)?(?:通知|通报|意见|方案|办法|函|提醒|决定|纪要|安排|预案))$"
)
_SUBJECT = re.compile(
    r"^(?:.*?关于)?(?:印发|转发)?(?P<subject>.+?)(?:的)?(?:紧急)?"
    r"(?:通知|通报|意见|实施方案|工作方案|方案|办法|函|提醒|决定|安排|预案)?$"
)
_ADDRESSEE = re.compile(r"^(?P<to>[^。；;！!？?：:]{2,80})[：:]\s*(?P<rest>.*)$")
_ADDRESSEE_WORD = re.compile(r"^各|人民政府|办事处|单位|部门|乡镇|街道|党委|党工委|委员会|社区|同志")
_NOT_ADDRESSEE = re.compile(r"要|请|将|如下|附件|联系|电话|抄送|签发")
_ORGAN_SUFFIX = re.compile(
    r"(局|委|办|院|部|厅|中心|大队|支队|中队|政府|办公室|指挥部|委员会|所|站|会|组|室|分局|集团|公司)$"
)
_SIGNATURE_MAX_CHARS = 40
_HEADING_MAX_CHARS = 100

# Whole lines that are the form of the document, never content.
_FORM_LINES = tuple(
    re.compile(pattern)
    for pattern in (
        r"^[（(]?\s*此件.{0,10}[）)]?$",  # 此件公开发布 / 此件不公开
        r"^[（(]?\s*(联系人|联\s*系\s*人|联系电话|联系方式|电话|手机|传真|邮箱|电子邮箱|地址|邮编|联系地址)\s*[：:]",
        r"^(抄送|抄报|主送|分送|发送)\s*[：:]",
        r"^签发人\s*[：:]",
        r"^[^\s，。]{0,10}〔\s*\d{4}\s*〕\s*\d+\s*号$",  # 文号
        r"^(特急|加急|平急|急件|特提|明电|秘密|机密|绝密|内部|公开|★.*)$",
        r"^[-—－─\s]*\d{1,3}[-—－─\s]*$",  # page numbers
        r"^(特此通知|特此通报|特此函告|特此报告|此复)[。！!]?$",
    )
)
_ATTACHMENT = re.compile(r"^附\s*件\s*\d*\s*[：:]?")
_DOCUMENT_NUMBER = re.compile(
    r"(?P<prefix>[\u4e00-\u9fff]{1,10})\s*[〔\[［（(]\s*(?:19|20)\d{2}\s*[〕\]］）)]\s*\d+\s*号"
)

# Sentences that are the opening or the closing of a notice (dropped whole).
_SENTENCE_BOILERPLATE = tuple(
    re.compile(pattern)
    for pattern in (
        r"(通知|安排|要求|意见|方案|事项|规定|部署)如下",
        r"印发给你们|转发给你们|印发你们|转发你们",
        r"^现将.{0,60}(通知|印发|转发|明确)",
        r"^特此(通知|通报|函告|报告)",
        r"^请.{0,12}(遵照|贯彻|参照|认真|结合实际).{0,8}(执行|落实|办理)$",
        r"^请认真(抓好)?(贯彻)?落实$",
        r"^(以上|上述).{0,20}(请|如有)",
        r"未尽事宜|另行通知|如有(疑问|问题|不明)|请?及时(与|同).{0,30}联系",
    )
)
# Clauses that report back, give a contact or say by whose decision (dropped).
_CLAUSE_BOILERPLATE = tuple(
    re.compile(pattern)
    for pattern in (
        r"(联系人|联系电话|电话|传真|邮箱)[：:]?",
        r"(将|把)[^，。；]{0,80}(报送|上报|报至|报给|报到|报县|报市|报区|报镇|报|发送|发至|反馈|送至)",
        r"^请?(各乡镇)?于?.{0,20}?(前|之前|以前)(报送|上报|反馈|报)",
        r"^(报送|上报|反馈)(时间|方式|地址|邮箱)",
        r"^经(县|市|区)?(委|政府|人民政府|领导|研究|同意)",
    )
)
# The opening clause of a sentence that says why or on what basis ("为……，", "根据……，").
_OPENER = re.compile(r"^(为了?|根据|按照|依据|依照|遵照|结合|鉴于|当前|目前|近期|近日|随着|经研究|经)")

# A requirement, not a task: "加强组织领导", "压实工作责任", "及时报送信息", "营造良好氛围".
_REQUIREMENT = re.compile(
    r"^(?:进一步|切实|全面|不断|认真|高度)?"
    r"(?:(?:加强|强化|压实|夯实|落实|严格|严肃|严明|注重|健全|完善|提高|提升|确保|做好|抓好|狠抓|广泛|"
    r"营造|形成|明确|统一|靠实|传导|深化|重视|把握|保持)(?:工作)?){1,2}"
    r"(?:组织领导|组织保障|领导|责任|主体责任|责任落实|工作责任|宣传|宣传引导|宣传发动|舆论引导|督导|督查|"
    r"督导检查|督促检查|考核|追责|问责|责任追究|纪律|工作纪律|信息报送|报送|统筹|协调|统筹协调|协作|"
    r"协调配合|部门协作|配合|联动|保障|经费保障|作风|实效|氛围|良好氛围|浓厚氛围|认识|思想认识|政治站位|"
    r"站位|要求|机制|部署|重视|思想|高度重视|底线|红线|实效性)(?:工作)?$"
    r"|^(?:及时|按时|准确|规范)?(?:报送|上报|报告)(?:信息|情况|进度|数据|结果|材料)?$"
    r"|^(?:信息|数据|材料)(?:报送|上报)$"
    r"|^(?:高度重视|认真组织|精心组织|周密部署|狠抓落实|抓好落实|确保实效|务求实效|统筹推进|扎实推进)$"
)
# Sections whose items are not tasks handed to the township.
_NOT_TASK_SECTION = re.compile(
    r"^(?:指导思想|总体要求|工作目标|目标要求|主要目标|总体目标|基本原则|工作原则|组织领导|组织保障|保障措施|"
    r"工作保障|工作要求|有关要求|相关要求|其他要求|其他事项|有关事项|注意事项|时间安排|进度安排|实施步骤|"
    r"工作步骤|方法步骤|步骤安排|实施范围|适用范围|工作范围|联系方式|工作依据|编制依据|背景|工作背景|"
    r"目的意义|重要意义)$"
)
# The subject of a clause ("各乡镇要", "请各村") in front of what it must do.
_SUBJECT_PREFIX = re.compile(
    r"^(?:请|由)?(?:各乡镇（街道）|各乡镇\(街道\)|各乡镇人民政府|各乡镇|各街道|各村（社区）|各村|各地|各单位|"
    r"各部门|各级|乡镇|街道)?(?:要|须|必须|务必|应|应当|需|需要|负责)?"
)
_NUMBERS = re.compile(r"\d+(?:[.．]\d+)?\s*(?:年度|年|月份|月底|月|日|号|时|小时|天|个|次|家|处|户|人|%|％)?")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

# At most this many tasks are read from one notice (a real notice has a few dozen at most).
MAX_TASKS = 60


@dataclass
class Notice:
    """What :func:`parse_notice` found in a text."""

    text: str
    title: str = ""
    tasks: list[str] = field(default_factory=list)
    issuer_names: list[str] = field(default_factory=list)
    # The issuer's abbreviation in the notice's own document number (文号) above the addressees:
    # "示应急〔2026〕8号" → "示应急" (a number cited in the body is another document's).
    document_prefixes: list[str] = field(default_factory=list)
    # Tasks found beyond ``MAX_TASKS`` (not kept).
    skipped: int = 0


@dataclass
class _Item:
    depth: int
    text: str
    children: list = field(default_factory=list)


def _clean(text: str) -> list[str]:
    """The text's non-empty lines, spaces collapsed, inline numbering put on lines of its own."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for raw in text.split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        if not line:
            continue
        line = _INLINE_HEADING.sub("\n", line, count=1)
        line = _INLINE_SIGNATURE.sub("\n", line, count=1)
        for part in line.split("\n"):
            lines.extend(p.strip() for p in _INLINE_MARKER.split(part) if p.strip())
    return lines


def _numbering(line: str):
    """(style, text without its number) of a numbered line, else (None, line)."""
    for style, pattern in MARKERS:
        match = pattern.match(line)
        if match and match.end() < len(line):
            return style, line[match.end():].strip()
    return None, line


def _is_form_line(line: str) -> bool:
    return any(pattern.search(line) for pattern in _FORM_LINES) or bool(_DATE_LINE.match(line))


def _is_heading(line: str) -> bool:
    return len(line) <= _HEADING_MAX_CHARS and bool(_HEADING.search(_compact(line)))


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _looks_like_signature(line: str) -> bool:
    compact = _compact(_DATE_RE.sub("", line)).strip("（）()")
    return (
        0 < len(compact) <= _SIGNATURE_MAX_CHARS
        and not re.search(r"[。，,；;：:！!？?]", compact)
        and bool(_ORGAN_SUFFIX.search(compact))
        and _numbering(line)[0] is None
    )


def _names_in(text: str) -> list[str]:
    """Several issuers written side by side ("县水利局 县应急管理局", "县水利局、县应急管理局")."""
    parts = [p for p in re.split(r"[\s、，,]+", text.strip()) if p]
    return parts if len(parts) > 1 else [_compact(text)]


def _split_head(lines: list[str]) -> tuple[list[str], int]:
    """(the lines above the addressees, index of the first body line); the addressee line is
    dropped (text after its colon on the same line stays in the body)."""
    for index in range(min(len(lines), 8)):
        match = _ADDRESSEE.match(lines[index])
        if not match or _numbering(lines[index])[0] is not None:
            continue
        to = match.group("to")
        if not _ADDRESSEE_WORD.search(to) or _NOT_ADDRESSEE.search(to):
            continue
        rest = match.group("rest").strip()
        if rest:
            lines[index] = rest
            return lines[:index], index
        return lines[:index], index + 1
    if len(lines) > 1 and _is_heading(lines[0]):
        return lines[:1], 1
    return [], 0


def _head(head: list[str]) -> tuple[str, list[str]]:
    """(title, issuer names) of the lines above the addressees: the 文头 "……文件", then the
    heading's "……关于"."""
    title_lines, names = [], []
    for line in head:
        masthead = _MASTHEAD.match(_compact(line))
        if masthead:
            names.extend(_names_in(masthead.group("name")))
        elif not _is_form_line(line):
            title_lines.append(line)
    heading = _HEADING_ISSUER.match(" ".join(title_lines))
    if heading:
        names[:0] = _names_in(heading.group("names"))
    return "".join(_compact(line) for line in title_lines), names


def _signature_end(lines: list[str], index: int) -> int | None:
    """If lines[index:] start with a signature — organ names, one a line or side by side,
    then the date (on the last name's line or the next) — the index after it."""
    end = index
    while end < len(lines) and _looks_like_signature(lines[end]):
        if _DATE_RE.search(lines[end]):
            return end + 1
        end += 1
    if end > index and end < len(lines) and _DATE_LINE.match(lines[end]):
        return end + 1
    return None


def _split_form(lines: list[str]) -> tuple[list[str], list[str]]:
    """(body lines, issuer names of the signature and the imprint): the document's form
    lines — signature, date, contact, attachments list, 抄送 and 印发 lines — taken out."""
    body, signature, imprint = [], [], []
    in_attachments = False
    index = 0
    while index < len(lines):
        line = lines[index]
        compact = _compact(line)
        imprinted = _IMPRINT.match(compact)
        signed = _signature_end(lines, index)
        if imprinted:
            imprint.append(imprinted.group("name"))
        elif signed is not None:
            for name_line in lines[index:signed]:
                if not _DATE_LINE.match(name_line):
                    signature.extend(_names_in(_DATE_RE.sub("", name_line)))
            index = signed
            continue
        elif _ATTACHMENT.match(compact):
            in_attachments = True
        elif in_attachments and _numbering(line)[0] is not None and not re.search(r"[。；;]", line):
            pass  # an attachment's title
        elif not _is_form_line(line):
            in_attachments = False
            body.append(line)
        index += 1
    # A signature whose date was not pasted: organ names ending the text.
    while not signature and body and _looks_like_signature(body[-1]):
        if len(body) > 1 and not _ends_sentence(body[-2]) and _numbering(body[-2])[0] is None:
            break
        signature[:0] = _names_in(body.pop())
    names = list(signature)
    for name in imprint:
        names.append(name)
        office = re.sub(r"(综合办公室|办公室|综合股|综合科|秘书科|秘书股)$", "", name)
        if office != name and len(office) >= 2:
            names.append(office)
    return body, names


def _ends_sentence(line: str) -> bool:
    return line.rstrip()[-1:] in "。！!？?；;"


# A line at least this long that does not end a sentence was broken by the paste.
_BROKEN_LINE_CHARS = 20


def _build_items(body: list[str]) -> tuple[list[str], list[_Item]]:
    """(paragraphs before the first numbered item, the items as a forest). Unnumbered lines
    after an item belong to it (its paragraphs, or a line broken by the paste)."""
    styles: list[str] = []
    preamble: list[str] = []
    roots: list[_Item] = []
    stack: list[_Item] = []
    previous = ""
    for line in body:
        style, text = _numbering(line)
        if style is None:
            if stack:
                # A long line cut before its end was broken by the paste; a short one without
                # a full stop is a header, and what follows is a paragraph of its own.
                broken = len(previous) >= _BROKEN_LINE_CHARS and not _ends_sentence(previous)
                stack[-1].text += ("" if broken else "\n") + line
            else:
                preamble.append(line)
            previous = line
            continue
        previous = line
        if style not in styles:
            styles.append(style)
        item = _Item(styles.index(style), text)
        while stack and stack[-1].depth >= item.depth:
            stack.pop()
        (stack[-1].children if stack else roots).append(item)
        stack.append(item)
    return preamble, roots


def _lead(text: str) -> str:
    """An item's lead phrase: up to its first full stop or colon."""
    first = re.split(r"[。：:；;！!？?\n]", text, maxsplit=1)[0]
    return _compact(first).strip(_END_PUNCT)


def _is_requirement(clause: str) -> bool:
    core = _SUBJECT_PREFIX.sub("", _compact(clause).strip(_END_PUNCT), count=1)
    return bool(core) and bool(_REQUIREMENT.match(core))


def sentences(text: str) -> list[str]:
    """The sentences of a text (line breaks end sentences too)."""
    text = re.sub(r"([。；;！!？?])\s*\n", r"\1", text).replace("\n", "。")
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip(_END_PUNCT)]


def content_clauses(text: str) -> list[list[str]]:
    """Per sentence, its clauses that say what to do: opening and closing sentences dropped,
    and the clauses that report back, give a contact, say why, or only ask for commitment."""
    kept = []
    for sentence in sentences(text):
        body = _compact(sentence).strip(_END_PUNCT)
        if not body or any(p.search(body) for p in _SENTENCE_BOILERPLATE):
            continue
        clauses = [c.strip(_END_PUNCT) for c in _CLAUSE_SPLIT.split(body)]
        clauses = [c for c in clauses if c]
        # "当前……，为……，请各乡镇……": what comes before the request is its context.
        for index in range(len(clauses) - 1, 0, -1):
            if clauses[index].startswith("请"):
                clauses = clauses[index:]
                break
        while len(clauses) > 1 and _OPENER.match(clauses[0]):
            clauses = clauses[1:]
        clauses = [
            c for c in clauses
            if not any(p.search(c) for p in _CLAUSE_BOILERPLATE) and not _is_requirement(c)
        ]
        if clauses:
            kept.append(clauses)
    return kept


def _has_task_verb(clauses: list[str]) -> bool:
    return any(verb in clause for clause in clauses for verb in TASK_VERBS)


def _enumerated(text: str) -> list[str]:
    """The parts of "一是……二是……" (at least two), else []."""
    parts = _ENUMERATION.split(text)
    if len(parts) < 3:
        return []
    return [part.strip(_END_PUNCT + "\n") for part in parts[1:] if part.strip(_END_PUNCT + "\n")]


def _leaf_tasks(item: _Item) -> list[str]:
    """The tasks of a numbered item: its leaves, unless it is a requirement or a section that
    holds none (工作要求, 保障措施 …); a leaf left with no content clause is no task."""
    if _NOT_TASK_SECTION.match(_lead(item.text)) or _is_requirement(_lead(item.text)):
        return []
    if item.children:
        return [task for child in item.children for task in _leaf_tasks(child)]
    text = _content_sentences(item.text)
    return [text] if text else []


def _content_sentences(text: str) -> str:
    """The sentences of a task as written, without those that only open, close or report
    (a closing paragraph after the last item belongs to no task)."""
    return "".join(s for s in sentences(text) if content_clauses(s))


def _sentence_tasks(paragraphs: list[str]) -> list[str]:
    """The tasks of unnumbered paragraphs: the parts of a "一是……二是……" paragraph, else its
    sentences, that have a content clause with a task verb."""
    tasks = []
    for paragraph in paragraphs:
        enumerated = _enumerated(paragraph)
        for part in enumerated or sentences(paragraph):
            clauses = [c for cs in content_clauses(part) for c in cs]
            if clauses and _has_task_verb(clauses):
                tasks.append(part.strip().rstrip("；;，,"))
    return tasks


def subject_of(title: str) -> str:
    """What a heading is about: "关于开展X工作的通知" → "开展X工作"."""
    match = _SUBJECT.match(_compact(title))
    return match.group("subject") if match else title


def parse_notice(text: str) -> Notice:
    """Split ``text`` (a task title or a whole notice) into its tasks and issuer names."""
    text = (text or "").strip()
    lines = _clean(text)
    notice = Notice(text=text)
    if not lines:
        return notice
    if len(lines) == 1 and len(sentences(lines[0])) <= 1:
        # A task title, or a heading alone ("关于开展X工作的通知" is about "开展X工作").
        line = lines[0]
        notice.tasks = [subject_of(line) if _is_heading(line) else line]
        return notice
    head, start = _split_head(lines)
    notice.title, head_names = _head(head)
    notice.document_prefixes = list(dict.fromkeys(
        match.group("prefix") for line in head for match in _DOCUMENT_NUMBER.finditer(line)
    ))
    body, tail_names = _split_form(lines[start:])
    notice.issuer_names = list(dict.fromkeys(n for n in head_names + tail_names if n))
    preamble, roots = _build_items(body)
    tasks = [task for root in roots for task in _leaf_tasks(root)]
    if not roots:
        tasks = _sentence_tasks(preamble)
    if not tasks:
        if notice.title:
            tasks = [subject_of(notice.title)]
        elif body:
            tasks = ["\n".join(body)]
        else:
            tasks = [text]
    unique = list(dict.fromkeys(_strip(task) for task in tasks if _strip(task)))
    notice.tasks = unique[:MAX_TASKS]
    notice.skipped = max(0, len(unique) - MAX_TASKS)
    return notice


def _strip(task: str) -> str:
    return re.sub(r"\s*\n\s*", "", task).strip()


def _masker(words) -> re.Pattern | None:
    words = sorted({w for w in words if w}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words))


_GENERIC = _masker(GENERIC_WORDS)


def matching_text(task: str, names=()) -> str:
    """The part of ``task`` that says which duty is meant, for the checker: its content
    clauses with dates, numbers, ``names`` (the county's, the departments') and the generic
    words replaced by spaces (so that no word is formed across a gap). Falls back to the task
    itself when nothing would be left."""
    names_re = _masker(names)
    pieces = []
    for clauses in content_clauses(task):
        masked = []
        for clause in clauses:
            clause = _NUMBERS.sub(" ", clause)
            clause = _LATIN.sub(" ", clause)
            if names_re is not None:
                clause = names_re.sub(" ", clause)
            clause = _GENERIC.sub(" ", clause)
            clause = re.sub(r"\s+", " ", clause).strip()
            if _CJK.search(clause):
                masked.append(clause)
        if masked:
            pieces.append("，".join(masked))
    text = "。".join(pieces)
    return text if len(_CJK.findall(text)) >= 2 else task
