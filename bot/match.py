"""Enterprise profile → the plan's sub-tasks that concern it, with a one-line reason each.

>>> from corpus.catalogue import load_catalogue
>>> matcher = TaskMatcher(load_catalogue())          # keyword-only; pass an Embedder for semantics
>>> matcher.warm_up()
>>> result = matcher.match("本公司经营冷链仓储", top_k=3)
>>> result.confident, result.items[0].subtask
(True, '打造全国智慧物流综合服务中心')

Scoring (one direction: normalise → vocabulary → semantics → combine → confidence):

* normalise: NFKC (full-width → half-width), traditional → simplified (OpenCC, Taiwan phrases such as
  資訊/軟體 → 信息/软件), lower case.
* vocabulary: the team-written sectors and keywords of each sub-task (weight 1) and of its main task
  (weight 0.5, shared by all its sub-tasks) — for a catalogue derived from the plan's text
  (`corpus.catalogue.structure`), the keywords derived from names and paragraphs — found in the
  profile by longest-match over substring occurrences (so 农产品电商 counts for agriculture, not also
  for 电商) and confirmed by jieba tokens (a keyword that is a whole token counts fully, one buried
  inside a longer word counts less). A keyword listed under several sub-tasks is divided by √(number of sub-tasks).
* semantics (optional): cosine between the profile and one description per sub-task (name + team
  sectors + activities, or the sub-task's own text), turned into a z-score across the sub-tasks.
* combine: 0.65 × keyword evidence + 0.35 × semantic evidence (keyword evidence alone without an
  embedder), a score in [0, 1].
* confidence: a clear match needs keyword evidence, or a semantic score that stands out strongly
  from the rest and is high in absolute terms; otherwise the nearest candidates are returned with
  ``confident=False``.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.schemas import TaskOut
from corpus.catalogue import Safeguard, SubTask, TaskCatalogue, TaskCitation
from corpus.types import Embedder
from indicators.model import Indicator

KEYWORD_WEIGHT = 0.65
SEMANTIC_WEIGHT = 0.35
TASK_SECTOR_WEIGHT = 0.5  # a sector word of a main task says "this 工程", not which sub-task
TASK_KEYWORD_WEIGHT = 0.3  # a main task's generic words (数据, 政府 …) are weaker still
TASK_DEFAULT_BONUS = 0.1  # sector-only evidence leans to the sub-task marked task_default in the catalogue
TASK_LEVEL_CAP = 0.7  # several sector words confirm the sector; they must not outweigh a specific keyword
# How much a keyword occurrence counts, by how it sits among jieba tokens (short = 1–2 characters):
INSIDE_TOKEN_SHORT = 0.85  # inside one longer word: 注塑 in 注塑机, 鞋 in 鞋厂
INSIDE_TOKEN_LONG = 0.95
ACROSS_TOKENS_SHORT = 0.5  # straddles two words, often an accident: 上市 in 马上|市场
ACROSS_TOKENS_LONG = 0.8
KEYWORD_SCALE = 1.2  # raw evidence r → 1 - exp(-r / scale): one full keyword ≈ 0.57, two ≈ 0.81
CONFIDENT_KEYWORD = 0.45  # raw keyword evidence of the best item for a clear match
CONFIDENT_Z = 3.2  # semantic z-score that stands out enough without any keyword
CONFIDENT_Z_MARGIN = 0.8  # … and leads the runner-up by this much
# … and is close in absolute terms. Calibrated for multilingual-e5-small, where unrelated Chinese
# texts still score ~0.82–0.85 (月子中心 vs 数据中心 share a word and reach 0.858); pass another value
# to TaskMatcher for another embedder.
SEMANTIC_FLOOR = 0.87
ITEM_CONFIDENT_RATIO = 0.5  # items below half the best score are only candidates
MAX_PROFILE_CHARS = 2000
MAX_SEMANTIC_CHARS = 256  # the embedder's cost grows with length; a profile's gist is in its start
NO_CLEAR_MATCH = "未找到明确对应的子任务，以下仅为最接近的候选 / no clear match; nearest candidates"
_CACHE_SIZE = 256


class MatchInputError(ValueError):
    """The profile or top_k is unusable (message in Chinese and English)."""


@dataclass(frozen=True)
class TaskMatch:
    """One ranked sub-task for a profile.

    >>> m = TaskMatch(task="服务业数字化提升工程", subtask="打造全国数字金融发展中心", score=0.8,
    ...               why="匹配词：城商行", indicators=["移动支付活跃用户普及率"])
    """

    task: str
    subtask: str
    score: float
    why: str
    indicators: list[str] = field(default_factory=list)
    confident: bool = True
    keyword_score: float = 0.0
    semantic_score: float | None = None
    terms: tuple[str, ...] = ()
    citation: TaskCitation | None = None

    def to_task_out(self, indicator_labels: Mapping[str, str] | None = None) -> TaskOut:
        """The reply-contract form.

        `indicator_labels` maps an indicator name to its display label, e.g.
        "5G基站数量" → "5G基站数量（2025年目标：30000个）"; names without a label are shown as is.
        """
        labels = indicator_labels or {}
        return TaskOut(
            task=self.task,
            subtask=self.subtask,
            score=round(self.score, 4),
            why=self.why,
            indicators=[labels.get(name, name) for name in self.indicators],
            confident=self.confident,
        )


@dataclass(frozen=True)
class MatchResult:
    """Ranked sub-tasks for one profile; `confident` False means "no clear match, nearest candidates"."""

    profile: str
    items: list[TaskMatch]
    confident: bool
    matched_terms: list[str]
    safeguards: list[Safeguard] = field(default_factory=list)
    note: str = ""

    def task_outs(self, indicator_labels: Mapping[str, str] | None = None) -> list[TaskOut]:
        """`items` in the reply-contract form."""
        return [item.to_task_out(indicator_labels) for item in self.items]


@dataclass(frozen=True)
class _Term:
    """A vocabulary entry: which sub-tasks (by index) it points to and with what weight."""

    text: str
    weights: tuple[tuple[int, float], ...]
    sub_level: frozenset[int]  # sub-tasks that list it themselves (not only via their main task)
    safeguards: tuple[int, ...] = ()


_SPACE_RE = re.compile(r"\s+")
_ASCII_WORD = re.compile(r"[a-z0-9][a-z0-9 &+.-]*")


_CLAUSE_SPLIT = re.compile(r"(?<=[,.;:!?，。；：！？])")
_QUESTION_MARKERS = re.compile(r"哪些|什么|吗|呢|\?|有关|相关|关系|涉及|对应|适合|怎么|如何")


def semantic_text(text: str, matched_terms: Sequence[str] = ()) -> str:
    """The part of a normalised profile worth embedding: question clauses without profile words dropped.

    >>> semantic_text("我们是一家做智慧物流的企业,规划里哪些任务和我们有关?", ["智慧物流"])
    '我们是一家做智慧物流的企业,'

    A chat question such as "…，规划里哪些任务和我们有关？" carries no information about the
    enterprise but pulls the embedding towards generic "plan" passages.
    """
    clauses = [c for c in _CLAUSE_SPLIT.split(text) if c.strip()]
    kept = [c for c in clauses if not _QUESTION_MARKERS.search(c) or any(term in c for term in matched_terms)]
    return ("".join(kept) or text)[:MAX_SEMANTIC_CHARS]


def _inside_latin_word(text: str, start: int, end: int) -> bool:
    """True when text[start:end] touches a Latin letter or digit on either side."""
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return bool(before and before.isascii() and before.isalnum()) or bool(after and after.isascii() and after.isalnum())


class ProfileNormaliser:
    """NFKC + traditional → simplified + lower case; OpenCC is loaded on first use or in warm_up().

    >>> ProfileNormaliser()("本公司經營冷鏈倉儲，ＩＤＣ機房")
    '本公司经营冷链仓储,idc机房'
    """

    def __init__(self) -> None:
        self._t2s: Any = None
        self._tw2sp: Any = None

    def warm_up(self) -> None:
        if self._t2s is None:
            import opencc  # imported here: the converter tables load on construction

            self._t2s = opencc.OpenCC("t2s")
            self._tw2sp = opencc.OpenCC("tw2sp")

    def __call__(self, text: str) -> str:
        self.warm_up()
        text = unicodedata.normalize("NFKC", text)
        # Only text that contains traditional characters gets the phrase-level Taiwan conversion, so a
        # simplified 资料 is never rewritten to 数据.
        if self._t2s.convert(text) != text:
            text = self._tw2sp.convert(text)
        return _SPACE_RE.sub(" ", text).strip().lower()


class TaskMatcher:
    """Rank the plan's sub-tasks for a free-text enterprise profile.

    >>> from corpus.catalogue import load_catalogue
    >>> matcher = TaskMatcher(load_catalogue(), embedder=None)
    >>> matcher.match("我们是一家城商行").items[0].subtask
    '打造全国数字金融发展中心'

    Args:
        catalogue: the loaded task catalogue.
        embedder: any `corpus.types.Embedder`; None gives keyword-only matching.
        semantic_floor: cosine a profile must reach for semantic evidence alone to count as a clear
            match (keyword evidence does not need it).
        shared_tokenizer: name of a process-wide jieba tokenizer (`corpus.bm25.shared_tokenizer`) for
            the keywords, instead of a private dictionary copy.
    """

    def __init__(
        self,
        catalogue: TaskCatalogue,
        embedder: Embedder | None = None,
        semantic_floor: float = SEMANTIC_FLOOR,
        cache_dir: Path | None = None,
        shared_tokenizer: str | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.shared_tokenizer = shared_tokenizer
        self.embedder = embedder
        self.semantic_floor = semantic_floor
        self.cache_dir = cache_dir
        self._subtasks: tuple[SubTask, ...] = catalogue.subtasks
        self._terms: dict[str, _Term] = _build_vocabulary(catalogue)
        self._task_default = np.array([st.task_default for st in self._subtasks], dtype=bool)
        self._normalise = ProfileNormaliser()
        self._tokenizer: Any = None
        self._doc_matrix: np.ndarray | None = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def mode(self) -> str:
        """ "hybrid" with an embedder, else "keyword"."""
        return "hybrid" if self.embedder is not None else "keyword"

    def warm_up(self) -> None:
        """Load OpenCC and jieba, and embed one description per sub-task (if there is an embedder)."""
        with self._lock:
            self._normalise.warm_up()
            if self._tokenizer is None:
                # A private copy of the dictionary (our keywords must not change others' segmentation), or
                # the process's shared one when many plans are loaded.
                from corpus.bm25 import _private_tokenizer, add_words, shared_tokenizer

                name = self.shared_tokenizer
                tokenizer = shared_tokenizer(name) if name else _private_tokenizer()
                add_words(tokenizer, self._terms, freq=2000, min_chars=1)
                self._tokenizer = tokenizer
            if self.embedder is not None and self._doc_matrix is None and self._subtasks:
                self.embedder.warm_up()
                self._doc_matrix = self._description_matrix()
                # The first query call of an engine pays for lazy set-up; keep that out of match().
                self.embedder.embed_query("企业")

    def _description_matrix(self) -> np.ndarray:
        """Sub-task description embeddings, reused from `cache_dir` when descriptions and embedder are unchanged."""
        assert self.embedder is not None
        texts = [st.description for st in self._subtasks]
        key = hashlib.sha256("\x00".join([self.embedder.name, *texts]).encode()).hexdigest()[:16]
        path = self.cache_dir / f"subtasks-{key}.npy" if self.cache_dir is not None else None
        if path is not None and path.is_file():
            cached = np.load(path)
            if cached.shape[0] == len(texts):
                return np.asarray(cached, dtype=np.float32)
        matrix = np.asarray(self.embedder.embed_documents(texts), dtype=np.float32)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npy")
            np.save(tmp, matrix)
            tmp.replace(path)  # atomic: concurrent workers never read half a file
        return matrix

    def match(self, profile: str, top_k: int = 5) -> MatchResult:
        """Rank sub-tasks for `profile`.

        Args:
            profile: free text (industry, products, plans, size, a company description).
            top_k: how many sub-tasks to return (1–32).

        Returns:
            MatchResult with `items` best first; `confident` False when nothing in the plan clearly fits.

        Raises:
            MatchInputError: empty profile or top_k < 1.
        """
        if not isinstance(profile, str) or not profile.strip():
            raise MatchInputError("企业描述不能为空 / the profile must not be empty")
        if not isinstance(top_k, int) or top_k < 1:
            raise MatchInputError(f"top_k 必须大于 0 / top_k must be greater than 0. Currently, top_k is {top_k}")
        if self._tokenizer is None or (self.embedder is not None and self._doc_matrix is None and self._subtasks):
            self.warm_up()
        text = self._normalise(profile[:MAX_PROFILE_CHARS])
        n = len(self._subtasks)
        if n == 0:  # a plan without recognisable tasks
            return MatchResult(profile=text, items=[], confident=False, matched_terms=[],
                               note="该规划没有可匹配的子任务 / the plan has no sub-tasks to match")
        top_k = min(top_k, n)

        raw, sub_terms, task_terms, kept, safeguard_hits = self._keyword_evidence(text)
        kw = 1.0 - np.exp(-raw / KEYWORD_SCALE)
        cos, z = self._semantic_evidence(semantic_text(text, kept))
        if z is not None:
            sem = np.clip((z - 0.5) / 2.5, 0.0, 1.0)
            combined = KEYWORD_WEIGHT * kw + SEMANTIC_WEIGHT * sem
        else:
            combined = kw
        # Stable order on ties: document order. A sub-task with no evidence at all is never listed.
        order = [i for i in sorted(range(n), key=lambda i: (-combined[i], i)) if combined[i] > 0][:top_k]
        safeguards = [self.catalogue.safeguards[j] for j in sorted(safeguard_hits)]
        if not order:
            return MatchResult(
                profile=text,
                items=[],
                confident=False,
                matched_terms=kept,
                safeguards=safeguards,
                note="未找到相关的子任务 / no sub-task matches this profile",
            )

        best = order[0]
        keyword_clear = bool(max(raw[i] for i in order) >= CONFIDENT_KEYWORD)
        semantic_clear = False
        top = -1
        if z is not None and cos is not None:
            top = int(np.argmax(z))
            runner_up = float(np.partition(z, -2)[-2]) if len(z) > 1 else -math.inf
            semantic_clear = bool(
                z[top] >= CONFIDENT_Z and z[top] - runner_up >= CONFIDENT_Z_MARGIN and cos[top] >= self.semantic_floor
            )
        confident = bool(keyword_clear or semantic_clear)
        top_score = float(combined[best])

        items = []
        for i in order:
            st = self._subtasks[i]
            # An item is a clear match only on its own evidence: a keyword of its own, or being the
            # semantic winner that made the result clear. Others are listed as nearer candidates.
            own_evidence = raw[i] > 0 or (semantic_clear and i == top)
            item_confident = confident and own_evidence and float(combined[i]) >= ITEM_CONFIDENT_RATIO * top_score
            items.append(
                TaskMatch(
                    task=st.task,
                    subtask=st.name,
                    score=float(round(combined[i], 4)),
                    why=self._why(st, sub_terms[i], task_terms[i], cos, i, item_confident),
                    indicators=list(st.indicators),
                    confident=item_confident,
                    keyword_score=float(round(raw[i], 4)),
                    semantic_score=None if cos is None else float(round(cos[i], 4)),
                    terms=tuple(sub_terms[i] + task_terms[i]),
                    citation=st.citation,
                )
            )
        note = "" if confident else NO_CLEAR_MATCH
        return MatchResult(
            profile=text,
            items=items,
            confident=confident,
            matched_terms=kept,
            safeguards=safeguards,
            note=note,
        )

    # -- evidence -------------------------------------------------------------------------------

    def _keyword_evidence(self, text: str) -> tuple[np.ndarray, list[list[str]], list[list[str]], list[str], set[int]]:
        occurrences: list[tuple[int, int, str]] = []
        for term in self._terms:
            start = text.find(term)
            while start >= 0:
                end = start + len(term)
                # Latin keywords match whole words only: "ai" must not fire inside "retail".
                if not (_ASCII_WORD.fullmatch(term) and _inside_latin_word(text, start, end)):
                    occurrences.append((start, end, term))
                start = text.find(term, start + 1)
        # Longest match wins: drop an occurrence that lies strictly inside a longer one.
        occurrences.sort(key=lambda o: (-(o[1] - o[0]), o[0]))
        kept_spans: list[tuple[int, int, str]] = []
        for s, e, term in occurrences:
            if any(ks <= s and e <= ke and (ke - ks) > (e - s) for ks, ke, _ in kept_spans):
                continue
            kept_spans.append((s, e, term))
        boundaries = self._token_boundaries(text)

        n = len(self._subtasks)
        raw = np.zeros(n, dtype=np.float64)
        sub_terms: list[list[str]] = [[] for _ in range(n)]
        task_terms: list[list[str]] = [[] for _ in range(n)]
        safeguard_hits: set[int] = set()
        kept: list[str] = []
        factors: dict[str, float] = {}
        for s, e, term in sorted(kept_spans):
            # A word repeated in the profile counts once, with its best-placed occurrence.
            factors[term] = max(factors.get(term, 0.0), _placement_factor(s, e, boundaries))
        task_level = np.zeros(n, dtype=np.float64)
        for term, factor in factors.items():
            kept.append(term)
            entry = self._terms[term]
            for i, w in entry.weights:
                if i in entry.sub_level:
                    raw[i] += w * factor
                    sub_terms[i].append(term)
                else:
                    task_level[i] += w * factor
                    task_terms[i].append(term)
            safeguard_hits.update(entry.safeguards)
        task_level = np.minimum(task_level, TASK_LEVEL_CAP)
        raw += task_level + np.where((task_level > 0) & self._task_default, TASK_DEFAULT_BONUS, 0.0)
        return raw, sub_terms, task_terms, kept, safeguard_hits

    def _token_boundaries(self, text: str) -> set[int]:
        """Character offsets where a jieba token starts or ends."""
        if self._tokenizer is None:
            return set(range(len(text) + 1))
        cuts = {0, len(text)}
        for _, start, end in self._tokenizer.tokenize(text):
            cuts.add(start)
            cuts.add(end)
        return cuts

    def _semantic_evidence(self, text: str) -> tuple[np.ndarray | None, np.ndarray | None]:
        if self.embedder is None or self._doc_matrix is None:
            return None, None
        vector = self._cache.get(text)
        if vector is None:
            vector = np.asarray(self.embedder.embed_query(text), dtype=np.float32).reshape(-1)
            with self._lock:
                self._cache[text] = vector
                if len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
        cos = self._doc_matrix @ vector
        std = float(cos.std())
        z = (cos - cos.mean()) / std if std > 1e-9 else np.zeros_like(cos)
        return cos.astype(np.float64), z.astype(np.float64)

    def _why(
        self,
        st: SubTask,
        sub_terms: Sequence[str],
        task_terms: Sequence[str],
        cos: np.ndarray | None,
        i: int,
        confident: bool,
    ) -> str:
        parts: list[str] = []
        if sub_terms:
            parts.append("对应业务：" + "、".join(sub_terms[:5]))
        if task_terms:
            parts.append(f"所属领域：{'、'.join(task_terms[:4])}（属“{st.task}”）")
        if cos is not None:
            sem_rank = int((cos > cos[i]).sum()) + 1
            if not parts or sem_rank <= 3:
                parts.append("与该子任务的内容相近" if sem_rank > 1 else "与该子任务的内容最相近")
        if not parts:
            parts.append("未命中关键词")
        line = "；".join(parts)
        if not confident:
            line = "仅为最接近的候选，非明确对应：" + line
        return line


def indicator_target_labels(indicators: Iterable[Indicator]) -> dict[str, str]:
    """Display labels with the 2025 target, for `TaskMatch.to_task_out` / `MatchResult.task_outs`.

    >>> from indicators.catalog import load_default_table
    >>> indicator_target_labels(load_default_table().indicators)["数据中心总机架数"]  # doctest: +SKIP
    '数据中心总机架数（2025年目标：18000个以上）'

    The numbers come from the indicator table (the deterministic engine's input), never from here.
    """
    labels = {}
    for ind in indicators:
        value = f"{ind.target_value:g}" if not float(ind.target_value).is_integer() else str(int(ind.target_value))
        labels[ind.name] = f"{ind.name}（{ind.target_year}年目标：{value}{ind.unit}{ind.qualifier_text}）"
    return labels


def _placement_factor(start: int, end: int, boundaries: set[int]) -> float:
    """1.0 for a whole token; less inside a longer token; least when straddling tokens."""
    short = end - start <= 2
    if start in boundaries and end in boundaries:
        return 1.0
    if not any(start < b < end for b in boundaries):
        return INSIDE_TOKEN_SHORT if short else INSIDE_TOKEN_LONG
    return ACROSS_TOKENS_SHORT if short else ACROSS_TOKENS_LONG


def _build_vocabulary(catalogue: TaskCatalogue) -> dict[str, _Term]:
    """Keyword → weighted sub-task indices (team-written vocabulary of the catalogue)."""
    subtasks = catalogue.subtasks
    index = {st.name: i for i, st in enumerate(subtasks)}
    sub_level: dict[str, set[int]] = {}
    for i, st in enumerate(subtasks):
        for term in (*st.sectors, *st.keywords):
            sub_level.setdefault(term.lower(), set()).add(i)
    task_level: dict[str, set[int]] = {}
    task_weight: dict[str, float] = {}
    for task in catalogue.tasks:
        members = [index[st.name] for st in task.subtasks]
        for weight, terms in ((TASK_KEYWORD_WEIGHT, task.keywords), (TASK_SECTOR_WEIGHT, task.sectors)):
            for term in terms:
                task_level.setdefault(term.lower(), set()).update(members)
                task_weight[term.lower()] = max(task_weight.get(term.lower(), 0.0), weight)
    safeguard_level: dict[str, set[int]] = {}
    for j, sg in enumerate(catalogue.safeguards):
        for term in sg.keywords:
            safeguard_level.setdefault(term.lower(), set()).add(j)

    vocabulary: dict[str, _Term] = {}
    for term in set(sub_level) | set(task_level) | set(safeguard_level):
        weights: dict[int, float] = {}
        subs = sub_level.get(term, set())
        for i in subs:
            weights[i] = 1.0 / math.sqrt(len(subs))
        tasks_hit = task_level.get(term, set())
        if tasks_hit:
            n_tasks = len({subtasks[i].task for i in tasks_hit})
            for i in tasks_hit:
                weights[i] = weights.get(i, 0.0) + task_weight[term] / math.sqrt(n_tasks)
        vocabulary[term] = _Term(
            text=term,
            weights=tuple(sorted(weights.items())),
            sub_level=frozenset(subs),
            safeguards=tuple(sorted(safeguard_level.get(term, set()))),
        )
    # Longest terms first keeps the occurrence scan deterministic.
    return dict(sorted(vocabulary.items(), key=lambda kv: (-len(kv[0]), kv[0])))
