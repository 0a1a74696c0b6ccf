"""Answering from the text: coverage check and extractive sentence selection.

Without an LLM the first sentence of a passage answer is the sentence of the retrieved passages that
best answers the question: it shares the question's rarest words and has the kind of content the
question asks for (a date for 何时, an organisation for 哪个部门, a number for 多少 …).

A question is *not covered* when one of its content words appears nowhere in the corpus nor in the
curated vocabularies (indicator aliases, task keywords): then the bot says so instead of quoting the
nearest, unrelated passage.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from corpus.types import Chunk, Hit

GENERIC_WORDS_PATH = Path(__file__).with_name("generic_words.txt")
# Question and meta words that carry no topic: they never make a question "uncovered".
GENERIC_WORDS = frozenset(
    word
    for line in GENERIC_WORDS_PATH.read_text(encoding="utf-8").splitlines()
    if not line.startswith("#")
    for word in line.split()
)
_QUESTION_WHEN = re.compile(r"何时|什么时候|哪天|哪一天|几月|日期|时间|哪年|when", re.IGNORECASE)
_QUESTION_WHO = re.compile(r"谁|哪个部门|哪个单位|哪家|哪所|哪个机构|什么部门|什么单位|牵头|承担|who", re.IGNORECASE)
_QUESTION_HOW_MANY = re.compile(r"多少|几个|几项|几大|几部分|how many", re.IGNORECASE)
_HAS_DATE = re.compile(r"\d{4}年|\d{1,2}月\d{1,2}日")
_HAS_ORG = re.compile(r"(局|委|厅|大学|研究院|政府|办公室|院)")
_HAS_NUMBER = re.compile(r"\d")
_BOOK_TITLE = re.compile(r"《[^《》]*》")
_FUNCTION_EDGE = re.compile(r"^[是的了在有和与及被把对从想要]|[是的了在有和与及被把对从想要]$")
_ASKS_DOCUMENT = re.compile(r"文件|纲要|方案|条例|通知|依据|根据|参照")
SHORT_LABEL_CHARS = 10
# jieba POS flags besides n* that name topics: j (abbreviation, e.g. 房地产), vn (verbal noun), l (set phrase).
TOPIC_FLAGS = frozenset({"j", "vn", "l"})
_NON_CONTENT = re.compile(r"\d{4}年|\d+(\.\d+)?%?|[\W_]+")
# Interrogatives and their compounds (哪几个, 多少项, 什么样, 怎么样 …) are never topics.
_QUESTION_WORD = re.compile(r"^[哪几]|什么|怎么|怎样|多少|为何|是否|有没有|能否|如何")
_SENTENCE_END = re.compile(r"(?<=[。；！？!?])|\n")
_CJK_OR_WORD = re.compile(r"[\u4e00-\u9fff]{2,}|[A-Za-z][A-Za-z0-9+\-/]{1,}|\d+[A-Za-z]+")


_QUESTION_NOISE = re.compile(r"[？?。！!，,、\s]|是什么|有哪些|有什么|是多少|多少|哪些|什么|怎么样|如何|吗|呢")


def _content(text: str, chunk: Chunk, keep_titles: bool) -> str:
    """What a passage says itself: cited titles (《…纲要》) are references, and the table's title repeats on
    every row; neither counts as matching the question."""
    own = text if keep_titles else _BOOK_TITLE.sub("《》", text)
    if chunk.kind == "table_row" and "｜" in own:
        own = own.split("｜", 1)[1]
    return own


def _longest_shared(question: str, text: str, longest: int = 8) -> int:
    """Length of the longest piece of the question (≤ `longest` chars) found verbatim in `text`."""
    best = 0
    for size in range(min(longest, len(question)), 2, -1):
        if any(question[i : i + size] in text for i in range(len(question) - size + 1)):
            return size
    return best


SYNONYMS_PATH = Path(__file__).with_name("synonyms.yaml")


def load_synonyms(path: Path = SYNONYMS_PATH) -> dict[str, list[str]]:
    """Question word → plan words (team-written, see synonyms.yaml)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): [str(v) for v in vs] for k, vs in data.items()}


def expand_question(question: str, synonyms: dict[str, list[str]]) -> str:
    """Append the plan's words for the question's paraphrases: 规划的愿景 → 规划的愿景 目标."""
    extra = [w for key, words in synonyms.items() if key in question for w in words if w not in question]
    return question if not extra else f"{question} {' '.join(dict.fromkeys(extra))}"


@dataclass(frozen=True)
class Sentence:
    text: str
    chunk: Chunk
    score: float
    coverage: float = 1.0  # IDF-weighted share of the question's topic words found in the passage


def split_sentences(text: str) -> list[str]:
    """Split on Chinese sentence ends and line breaks; drop blanks.

    A very short piece ("三是发展目标。") is a label for what follows, so it is joined to the next one.
    """
    pieces = [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]
    out: list[str] = []
    carry = ""
    for piece in pieces:
        if len(piece) <= SHORT_LABEL_CHARS and not piece.startswith("\t"):
            carry += piece
            continue
        out.append(carry + piece)
        carry = ""
    if carry:
        out.append(carry)
    return out


class PassageReader:
    """Coverage check and sentence selection over one corpus.

    >>> reader = PassageReader()
    >>> reader.warm_up(chunks, extra_vocabulary=["高企"])  # doctest: +SKIP
    >>> reader.uncovered_terms("规划对房地产有何安排？")  # doctest: +SKIP
    ['房地产']
    """

    def __init__(self) -> None:
        self._corpus_text = ""
        self._vocabulary: frozenset[str] = frozenset()
        self._idf: dict[str, float] = {}
        self._default_idf = 1.0
        self._lock = threading.Lock()
        self._ready = False

    def warm_up(self, chunks: Iterable[Chunk], extra_vocabulary: Iterable[str] = ()) -> None:
        import jieba

        chunk_list = list(chunks)
        vocabulary = [v for v in extra_vocabulary if v]
        for word in vocabulary:
            if len(word) >= 2:
                jieba.add_word(word)
        corpus_text = "\n".join(c.text for c in chunk_list)
        sentences = [s for c in chunk_list for s in split_sentences(c.text)]
        df: Counter[str] = Counter()
        for sentence in sentences:
            df.update(set(self.tokens(sentence, content_only=False)))
        n = max(len(sentences), 1)
        with self._lock:
            self._corpus_text = corpus_text
            self._vocabulary = frozenset(vocabulary)
            self._idf = {t: math.log(1 + n / (1 + c)) for t, c in df.items()}
            self._default_idf = math.log(1 + n)
            self._ready = True

    @staticmethod
    def tokens(text: str, content_only: bool = True) -> list[str]:
        """jieba search-mode words of ≥ 2 characters (or ASCII terms); `content_only` drops generic words."""
        import jieba

        out = []
        for token in jieba.lcut_for_search(text):
            token = token.strip()
            if len(token) < 2 or token.isdigit() or _NON_CONTENT.fullmatch(token):
                continue
            if content_only and (token in GENERIC_WORDS or _QUESTION_WORD.search(token)):
                continue
            out.append(token)
        return out

    @staticmethod
    def topic_nouns(text: str) -> list[str]:
        """Nouns (incl. place names, abbreviations such as 房地产) that could name a topic of the question."""
        import jieba.posseg

        out = []
        for pair in jieba.posseg.lcut(text):
            word, flag = pair.word.strip(), pair.flag
            if len(word) < 2 or not (flag.startswith("n") or flag in TOPIC_FLAGS):
                continue
            if word in GENERIC_WORDS or _QUESTION_WORD.search(word) or _NON_CONTENT.fullmatch(word):
                continue
            if _FUNCTION_EDGE.search(word):
                continue  # segmentation debris glued to a function word ("条是", "村想")
            out.append(word)
        return out

    def _covered(self, word: str) -> bool:
        """In the corpus or a curated term, or a compound whose parts all are (领导批示 = 领导 + 批示)."""
        import jieba

        if word in self._corpus_text or any(word in v or v in word for v in self._vocabulary if len(v) >= 2):
            return True
        parts = [p for p in jieba.lcut_for_search(word) if len(p) >= 2 and p != word]
        return bool(parts) and sum(map(len, parts)) >= len(word) and all(
            p in GENERIC_WORDS or p in self._corpus_text for p in parts
        )

    def uncovered_terms(self, question: str) -> list[str]:
        """Topic nouns of the question that the plan never uses (nor any curated alias)."""
        missing = []
        for token in self.topic_nouns(question):
            if not _CJK_OR_WORD.fullmatch(token):
                continue
            if token.isascii():
                continue  # English words: retrieval and the resolver handle them
            if self._covered(token):
                continue
            missing.append(token)
        # A word jieba split further counts once: keep the longest uncovered pieces.
        return [t for t in missing if not any(t != o and t in o for o in missing)]

    def best_sentences(self, question: str, hits: Sequence[Hit], limit: int = 2) -> list[Sentence]:
        """The sentences of the retrieved passages that best answer the question, best first."""
        q_tokens = set(self.tokens(question, content_only=False))
        # Topic words in Chinese only: English questions are left to retrieval (jieba cannot judge them).
        topic = {t for t in self.tokens(question) if not t.isascii()}
        topic_weight = sum(self._idf.get(t, self._default_idf) for t in topic)
        core = _QUESTION_NOISE.sub("", question)
        wants_date = bool(_QUESTION_WHEN.search(question))
        wants_org = bool(_QUESTION_WHO.search(question))
        wants_number = bool(_QUESTION_HOW_MANY.search(question))
        asks_document = "《" in question or bool(_ASKS_DOCUMENT.search(question))
        scored: list[Sentence] = []
        seen: set[str] = set()
        top = max((h.score for h in hits), default=0.0) or 1.0
        for hit in hits:
            # Fused retrieval scores are close to each other; weigh by score, not by rank position.
            rank_weight = max(hit.score, 0.0) / top
            for text in split_sentences(hit.chunk.text):
                if text in seen or len(text) < 4:
                    continue
                seen.add(text)
                # Words inside a cited title (《…纲要》) are a reference, not what the sentence says.
                own = _content(text, hit.chunk, asks_document)
                overlap = sum(self._idf.get(t, self._default_idf) for t in q_tokens if t in own)
                score = overlap + rank_weight + 1.0 * max(0, _longest_shared(core, own) - 2)
                if wants_date and _HAS_DATE.search(text):
                    score += 2.0
                if wants_org and _HAS_ORG.search(text):
                    score += 1.5
                if wants_number and _HAS_NUMBER.search(text):
                    score += 1.0
                passage = _content(hit.chunk.text, hit.chunk, asks_document)
                covered = sum(self._idf.get(t, self._default_idf) for t in topic if t in passage)
                coverage = covered / topic_weight if topic_weight else 1.0
                scored.append(Sentence(text=text, chunk=hit.chunk, score=score, coverage=coverage))
        scored.sort(key=lambda s: s.score, reverse=True)
        return scored[:limit]
