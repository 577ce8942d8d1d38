"""“Is this task on my list?” — match a task title or a notice against a township's lists.

The text is segmented with jieba (its dictionary ships in the wheel, nothing is downloaded) and
completed with character bigrams of every run of Chinese characters, so that a word cut
differently in the task and in the list ("特种设备安全检查" / "特种设备安全监督检查") still
matches. Every published entry in force today on the township's four lists is a document; the
documents are weighted by TF-IDF over the township's own entries (≈ 1,000 at most), and a
query is scored by cosine similarity. A long text (a notice) is cut into sentences, each scored
on its own, and an entry keeps its best sentence.

The verdict (one rule, ``verdict_for``) follows the best match above ``MATCH_THRESHOLD``:
power list → the township's own duty; territorial → the township only cooperates (its share and
the department's are shown); admission → approved, with its document; reclaimed → not the
township's any more; nothing above the threshold → not listed (清单之外无事项: not the
township's unless approved).

The index of a township is cached in the process, keyed by the township and a data version
(count, last change and id sum of its entries and their items, and today's date), so it is
never stale.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duties import services
from duties.models import ListEntry, ListKind

# Input limit: texts above this many bytes (UTF-8) are refused with a message.
MAX_TEXT_BYTES = 100 * 1024
# A sentence of a long text longer than this is cut again at commas.
MAX_SEGMENT_CHARS = 80
# At most this many distinct sentences of a long text are scored.
MAX_SEGMENTS = 3000
# Similarity (0..1) from which a match counts as "this is the item".
MATCH_THRESHOLD = 0.33
# Similarity from which a match is shown at all.
SHOW_THRESHOLD = 0.08
# Matches shown.
TOP_N = 8
# Texts up to this many characters are one query; longer texts are split into sentences.
SHORT_TEXT_CHARS = 60

VERDICT_POWER = ListKind.POWER.value
VERDICT_TERRITORIAL = ListKind.TERRITORIAL.value
VERDICT_ADMISSION = ListKind.ADMISSION.value
VERDICT_RECLAIMED = ListKind.RECLAIMED.value
VERDICT_NONE = "none"

VERDICT_TITLES = {
    VERDICT_POWER: _("On your power and responsibility list: this is your own duty."),
    VERDICT_TERRITORIAL: _(
        "On your territorial management list: the department keeps the main responsibility, "
        "you only cooperate."
    ),
    VERDICT_ADMISSION: _("On your admission list: approved, with its document."),
    VERDICT_RECLAIMED: _(
        "On the reclaimed list: the department has taken this back, it is not yours any more."
    ),
    VERDICT_NONE: _(
        "Not on your lists: it is not your duty unless it is approved through the admission "
        "review."
    ),
}

# Tie-break between lists for equal scores.
_KIND_ORDER = {
    VERDICT_POWER: 0,
    VERDICT_ADMISSION: 1,
    VERDICT_TERRITORIAL: 2,
    VERDICT_RECLAIMED: 3,
}

# Words of administrative prose that say nothing about which duty is meant.
STOP_WORDS = frozenset(
    """
    开展 进行 加强 做好 有关 关于 相关 及时 组织 落实 实施 全面 深入 推进 推动 切实 进一步
    认真 积极 工作 任务 要求 通知 各 本 我 你 年度 今年 明年 全年 确保 有效 严格 按照 根据 依据 依法
    以及 并 和 与 及 或 等 的 了 在 对 为 是 由 将 把 从 向 于 其 之 中 上 下 内 范围 辖区 辖内
    全县 全镇 全乡 全区 全市 单位 部门 乡镇 街道 镇 乡 同志 具体 情况 方面 一 二 三 四 五 六 七 八 九 十
    现 就 如下 请 务必 特此 附件 联系人 联系电话 电话 年 月 日
    """.split()
)
# A few domain words jieba does not know, so they stay whole.
DOMAIN_WORDS = (
    "秸秆禁烧", "特种设备", "宅基地", "低保", "特困人员", "高龄津贴", "两项补贴", "危房改造",
    "人民调解", "兵役登记", "地质灾害", "隐患排查", "排查整治", "燃气安全", "消防安全",
    "非法采砂", "河长制", "动物防疫", "违法建设", "乡村建设规划许可证", "环境影响评价",
    "森林防火", "防汛抗旱", "食品安全", "安全生产", "网格化", "屠宰检疫", "危化品",
)

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]+|[0-9]+")
_SENTENCE_END = re.compile(r"[。；;！!？?\n\r]+")
_COMMA = re.compile(r"[，,：:]+")

_jieba_lock = threading.Lock()
_jieba = None


def _segmenter():
    """jieba, initialised once per process with its cache in the project's var directory."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.dt.tmp_dir = str(settings.VAR_DIR)
                jieba.initialize()
                for word in DOMAIN_WORDS:
                    jieba.add_word(word, freq=20000)
                _jieba = jieba
    return _jieba


def text_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def tokens(text: str) -> Counter:
    """Weighted tokens of a text: jieba words (1.0) plus CJK character bigrams (0.5)."""
    if len(text) <= _CACHED_TEXT_CHARS:
        return Counter(dict(_cached_tokens(text)))
    return _tokens(text)


# List texts (names, duties) are short and repeat across index rebuilds: their tokens are
# cached, so rebuilding a township's index after a change costs little.
_CACHED_TEXT_CHARS = 400


@functools.lru_cache(maxsize=50_000)
def _cached_tokens(text: str) -> tuple:
    return tuple(_tokens(text).items())


def _tokens(text: str) -> Counter:
    jieba = _segmenter()
    counts: Counter = Counter()
    for run in _CJK_RUN.findall(text):
        for word in jieba.cut_for_search(run):
            if len(word) >= 2 and word not in STOP_WORDS:
                counts[word] += 1.0
        for i in range(len(run) - 1):
            bigram = run[i : i + 2]
            if bigram not in STOP_WORDS:
                counts["#" + bigram] += 0.5
    for word in _LATIN.findall(text):
        counts[word.lower()] += 1.0
    return counts


def segments(text: str) -> list[str]:
    """The sentences of a text, long ones cut again at commas; duplicates dropped."""
    pieces = []
    for sentence in _SENTENCE_END.split(text):
        sentence = sentence.strip()
        if not sentence:
            continue
        if len(sentence) > MAX_SEGMENT_CHARS:
            pieces.extend(p.strip() for p in _COMMA.split(sentence) if p.strip())
        else:
            pieces.append(sentence)
    seen, unique = set(), []
    for piece in pieces:
        if _CJK_RUN.search(piece) and piece not in seen:
            seen.add(piece)
            unique.append(piece)
    return unique


def entry_text(entry: ListEntry) -> list[tuple[str, float]]:
    """The parts of an entry that say what the duty is, with their weights."""
    item = entry.item
    parts = [(item.name, 2.0), (item.sub_item, 1.5)]
    if entry.kind == ListKind.TERRITORIAL:
        parts += [(entry.domain, 0.5), (entry.township_duty, 0.7), (entry.department_duty, 0.5)]
    elif entry.kind == ListKind.RECLAIMED:
        parts += [(entry.working_method, 0.3)]
    return [(text, weight) for text, weight in parts if text]


def checker_entries(township):
    """What the checker searches: the township's published entries in force today (the
    public lists, whoever asks)."""
    return services.current_entries(township, entries=ListEntry.objects.published())


@dataclass
class _Index:
    entries: list
    vectors: list  # per entry: {token: normalised weight}
    idf: dict
    idf_unseen: float
    postings: dict  # token -> [(entry index, weight)]


def _build_index(entries) -> _Index:
    raw = []
    df: Counter = Counter()
    for entry in entries:
        counts: dict = {}
        for text, weight in entry_text(entry):
            items = _cached_tokens(text) if len(text) <= _CACHED_TEXT_CHARS else _tokens(text).items()
            for token, n in items:
                counts[token] = counts.get(token, 0.0) + n * weight
        raw.append(counts)
        df.update(counts.keys())
    n_docs = len(entries)
    log = math.log
    idf = {token: log((n_docs + 1) / (n + 1)) + 1.0 for token, n in df.items()}
    idf_unseen = log(n_docs + 1) + 1.0
    vectors, postings = [], {}
    for index, counts in enumerate(raw):
        vector = {t: ((1 + log(c)) if c >= 1 else c) * idf[t] for t, c in counts.items()}
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        vector = {t: w / norm for t, w in vector.items()}
        vectors.append(vector)
        for token, weight in vector.items():
            postings.setdefault(token, []).append((index, weight))
    return _Index(entries, vectors, idf, idf_unseen, postings)


_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 32
_cache_lock = threading.Lock()


def _data_version(township):
    stats = checker_entries(township).order_by().aggregate(
        n=Count("id"), last=Max("updated_at"), ids=Sum("id"), item_last=Max("item__updated_at")
    )
    return (
        township.pk,
        timezone.localdate().isoformat(),
        stats["n"],
        stats["ids"],
        stats["last"].isoformat() if stats["last"] else "",
        stats["item_last"].isoformat() if stats["item_last"] else "",
    )


def index_for(township) -> _Index:
    """The township's index, from the cache when its data has not changed (1 or 2 queries)."""
    key = _data_version(township)
    with _cache_lock:
        index = _CACHE.get(key)
        if index is not None:
            _CACHE.move_to_end(key)
            return index
    entries = list(
        checker_entries(township).defer(
            "created_at", "updated_at", "notes", "item__created_at", "item__updated_at",
            "item__responsibility_stages", "item__accountability_cases",
        )
    )
    index = _build_index(entries)
    with _cache_lock:
        _CACHE[key] = index
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return index


def clear_cache():
    with _cache_lock:
        _CACHE.clear()


@dataclass
class Match:
    entry: ListEntry
    score: float
    terms: list[str] = field(default_factory=list)
    segment: str = ""

    @property
    def kind(self) -> str:
        return self.entry.kind

    @property
    def kind_label(self):
        return ListKind(self.entry.kind).label

    @property
    def percent(self) -> int:
        return round(self.score * 100)


@dataclass
class CheckResult:
    text: str
    verdict: str
    best: Match | None
    matches: list[Match]
    best_by_kind: dict
    segments: int

    @property
    def title(self):
        return VERDICT_TITLES[self.verdict]


class TextTooLong(ValueError):
    pass


def _query_vector(counts: Counter, index: _Index) -> dict:
    """Query weights; a word no entry has weighs the most (it says the task is something
    else), a character bigram no entry has is dropped (mostly a pair across two words)."""
    vector = {
        t: (1 + math.log(c) if c >= 1 else c) * index.idf.get(t, index.idf_unseen)
        for t, c in counts.items()
        if not (t.startswith("#") and t not in index.idf)
    }
    norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
    return {t: w / norm for t, w in vector.items()}


def _score(vector: dict, index: _Index) -> dict:
    scores: dict = {}
    for token, q_weight in vector.items():
        for entry_index, d_weight in index.postings.get(token, ()):
            scores[entry_index] = scores.get(entry_index, 0.0) + q_weight * d_weight
    return scores


def verdict_for(best: Match | None) -> str:
    """The rule: the list of the best match at or above the threshold, else not listed."""
    if best is None or best.score < MATCH_THRESHOLD:
        return VERDICT_NONE
    return best.entry.kind


def check(township, text: str, *, index=None) -> CheckResult:
    """Match ``text`` (a task title or a whole notice) against the township's lists;
    ``index`` (from ``index_for``) lets a caller checking many tasks read the lists once."""
    text = (text or "").strip()
    if text_bytes(text) > MAX_TEXT_BYTES:
        raise TextTooLong(text_bytes(text))
    index = index if index is not None else index_for(township)
    pieces = [text] if len(text) <= SHORT_TEXT_CHARS else segments(text)[:MAX_SEGMENTS]
    best_scores: dict = {}
    best_piece: dict = {}
    piece_vectors = {}
    for piece in pieces:
        counts = tokens(piece)
        if not counts:
            continue
        vector = _query_vector(counts, index)
        piece_vectors[piece] = vector
        for entry_index, score in _score(vector, index).items():
            if score > best_scores.get(entry_index, 0.0):
                best_scores[entry_index] = score
                best_piece[entry_index] = piece

    ranked = sorted(
        best_scores.items(),
        key=lambda pair: (-round(pair[1], 6), _KIND_ORDER[index.entries[pair[0]].kind], pair[0]),
    )
    matches = []
    for entry_index, score in ranked:
        if score < SHOW_THRESHOLD:
            break
        piece = best_piece[entry_index]
        shared = [
            t.lstrip("#")
            for t in sorted(
                piece_vectors[piece].keys() & index.vectors[entry_index].keys(),
                key=lambda t: -index.vectors[entry_index][t],
            )
            if not t.startswith("#")
        ]
        matches.append(
            Match(
                entry=index.entries[entry_index],
                score=min(score, 1.0),
                terms=shared[:6],
                segment=piece if piece != text else "",
            )
        )
    best_by_kind: dict = {}
    for match in matches:
        best_by_kind.setdefault(match.kind, match)
    best = matches[0] if matches else None
    return CheckResult(
        text=text,
        verdict=verdict_for(best),
        best=best,
        matches=matches[:TOP_N],
        best_by_kind=best_by_kind,
        segments=len(pieces),
    )
