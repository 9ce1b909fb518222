"""Which documents a parsed query's words match, and how well.

Every query word becomes one small number per document of the snapshot: a bit per
field it was found in (its stems in the title, in the co-op/category/label names, in
the description; the exact word anywhere; the exact word in the title), set from
cached posting lists with numpy, so a broad word costs little more than a rare one.
Words combine as boolean arrays. Only documents that match everything are scored:
the sum over words of idf x field weights (one table lookup per word), where the
title counts most, an exact word adds to its stem, and a typo correction counts less
than either, so exact matches rank above stemmed ones above fuzzy ones.
"""

from __future__ import annotations

import bisect
import math
import time
from dataclasses import dataclass, field

import numpy as np

from search import whoosh_schema as ws
from search.fuzzy import allowed_distance, closest
from search.query import ParsedQuery
from search.whoosh_segments import Snapshot

#: at most this many vocabulary words stand in for one prefix (wor*) or one typo
MAX_EXPANSION = 200
MAX_CORRECTIONS = 10
#: how much a typo-corrected word counts against a word as typed
FUZZY_WEIGHT = 0.4


@dataclass
class Marks:
    """What to highlight in a snippet: raw words, stems, and word starts."""

    raw: set[str] = field(default_factory=set)
    stems: set[str] = field(default_factory=set)
    prefixes: tuple[str, ...] = ()
    #: (word, language) -> marked? (the same words recur across a page's snippets)
    seen: dict[tuple[str, str], bool] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.raw or self.prefixes)

    def add(self, word: str) -> None:
        self.raw.add(word)
        self.stems.update(ws.stems(word))


@dataclass
class TextMatch:
    """The documents matching a query's text (None: no text, everything matches)."""

    mask: np.ndarray | None
    marks: Marks
    #: the positive words, to score the documents that end up on a page
    words: list[Word] = field(default_factory=list)
    #: typed word -> the vocabulary word used instead
    corrections: dict[str, str] = field(default_factory=dict)
    #: each plain term's own matches, and everything else required, for "did you mean"
    terms: dict[str, np.ndarray] = field(default_factory=dict)
    rest: np.ndarray | None = None
    partial: bool = False


# Where a word was found, one bit per field: cheap to combine, and one table lookup scores it.
TITLE, NAMES, DESCRIPTION, EXACT, EXACT_TITLE = 1, 2, 4, 8, 16
_ANYWHERE = TITLE | NAMES | DESCRIPTION | EXACT
_CODES = np.arange(32)
#: score of a word per field code: the title part (scaled by title length) and the rest
_TITLE_SCORE = (3.0 * ((_CODES & TITLE) > 0) + ((_CODES & EXACT_TITLE) > 0)).astype(np.float32)
_OTHER_SCORE = (
    1.5 * ((_CODES & NAMES) > 0) + ((_CODES & DESCRIPTION) > 0) + 0.5 * ((_CODES & EXACT) > 0)
).astype(np.float32)


@dataclass
class Word:
    """Where one query word (or its stand-ins) was found, and how much it counts."""

    codes: np.ndarray
    found: np.ndarray
    weight: float = 1.0
    idf: float = 0.0


def _mark(codes: np.ndarray, snapshot: Snapshot, pairs, bit: int) -> None:
    for name, term in pairs:
        found = snapshot.postings(name, term)
        if found.size:
            codes[found] |= bit


def field_codes(snapshot: Snapshot, word: str, codes: np.ndarray | None = None) -> np.ndarray:
    """Per document, the bits of the fields containing the word (stemmed, or exactly)."""
    if codes is None:
        codes = np.zeros(snapshot.size, dtype=np.uint8)
    stems = ws.stems(word)
    _mark(codes, snapshot, (("t", s) for s in stems), TITLE)
    _mark(codes, snapshot, (("m", s) for s in stems), NAMES)
    _mark(codes, snapshot, (("d", s) for s in stems), DESCRIPTION)
    _mark(codes, snapshot, (("x", word),), EXACT)
    _mark(codes, snapshot, (("tw", word),), EXACT_TITLE)
    return codes


def evidence(snapshot: Snapshot, word: str) -> np.ndarray:
    """Documents containing the word in any text field."""
    return (field_codes(snapshot, word) & _ANYWHERE) > 0


def _word(snapshot: Snapshot, codes: np.ndarray, weight: float = 1.0) -> Word:
    found = (codes & _ANYWHERE) > 0
    frequency = int(np.count_nonzero(found & snapshot.live))
    idf = math.log(1.0 + snapshot.count / (1.0 + frequency))
    return Word(codes=codes, found=found, weight=weight, idf=idf)


def scores(snapshot: Snapshot, words: list[Word], docs: np.ndarray) -> np.ndarray:
    """The relevance of some documents: idf x field weights, summed over the words."""
    total = np.zeros(docs.size, dtype=np.float32)
    factor = snapshot.title_factor[docs]
    for word in words:
        codes = word.codes[docs]
        total += (word.idf * word.weight) * (_TITLE_SCORE[codes] * factor + _OTHER_SCORE[codes])
    return total


def corrections_for(snapshot: Snapshot, word: str) -> list[tuple[str, int, int]]:
    """(vocabulary word, edits, documents) of close words, best first."""
    limit = allowed_distance(word)
    if limit == 0:
        return []
    near: dict[str, int] = {}
    for segment in snapshot.segments:
        for term, d in segment.vocabulary("x").near(word, limit):
            near[term] = min(d, near.get(term, d))
    ranked = []
    for term, d in near.items():
        found = snapshot.postings("x", term)
        frequency = int(np.count_nonzero(snapshot.live[found]))
        if frequency:
            ranked.append((term, d, frequency))
    ranked.sort(key=lambda item: (item[1], -item[2], item[0]))
    return closest(ranked)[:MAX_CORRECTIONS]


def _fuzzy(snapshot: Snapshot, word: str, marks: Marks) -> tuple[Word, str] | None:
    """The words close to a word found nowhere, standing in for it, and the best of them."""
    candidates = corrections_for(snapshot, word)
    if not candidates:
        return None
    codes = np.zeros(snapshot.size, dtype=np.uint8)
    for term, _distance, _frequency in candidates:
        field_codes(snapshot, term, codes)
        marks.add(term)
    return _word(snapshot, codes, FUZZY_WEIGHT), candidates[0][0]


def _prefix(snapshot: Snapshot, prefix: str) -> Word:
    """Every word starting with the prefix (capped), as one word found exactly."""
    expanded = []
    for name in ("x", "tw"):
        lexicon = snapshot.lexicon(name)
        start = bisect.bisect_left(lexicon, prefix)
        for term in lexicon[start : start + MAX_EXPANSION]:
            if not term.startswith(prefix):
                break
            expanded.append(term)
    words = ws.unique_words(expanded)[:MAX_EXPANSION]
    codes = np.zeros(snapshot.size, dtype=np.uint8)
    _mark(codes, snapshot, (("x", w) for w in words), EXACT)
    _mark(codes, snapshot, (("tw", w) for w in words), TITLE | EXACT_TITLE)
    return _word(snapshot, codes)


def match(snapshot: Snapshot, parsed: ParsedQuery, deadline: float | None = None) -> TextMatch:
    """Match a parsed query's text against the snapshot."""
    marks = Marks(prefixes=parsed.prefixes)
    result = TextMatch(mask=None, marks=marks)
    if parsed.is_empty:
        return result
    required = np.ones(snapshot.size, dtype=bool)
    optional_only = all(ws.is_stopword(w) for w in parsed.words())
    phrase_words = {w for phrase in parsed.phrases for w in phrase}
    for text in ws.unique_words([*parsed.terms, *phrase_words]):
        marks.add(text)
        word = _word(snapshot, field_codes(snapshot, text))
        # A word found nowhere is a typo, unless it is in a phrase or a stop word.
        unknown = not (word.found & snapshot.live).any()
        if unknown and text not in phrase_words and not ws.is_stopword(text):
            fuzzy = _fuzzy(snapshot, text, marks)
            if fuzzy is not None:
                word, result.corrections[text] = fuzzy
        result.words.append(word)
        if optional_only or not ws.is_stopword(text):
            if text in parsed.terms:
                result.terms[text] = word.found
            else:
                required &= word.found
    for prefix in parsed.prefixes:
        word = _prefix(snapshot, prefix)
        result.words.append(word)
        required &= word.found
    for text in parsed.excluded:
        required &= ~evidence(snapshot, text)
    if parsed.phrases:
        candidates = required & snapshot.live
        for found in result.terms.values():
            candidates &= found
        verified, result.partial = _phrases(snapshot, parsed.phrases, candidates, deadline)
        required &= verified
    result.rest = required
    mask = required.copy()
    for found in result.terms.values():
        mask &= found
    result.mask = mask
    return result


def _phrases(snapshot: Snapshot, phrases, candidates: np.ndarray, deadline: float | None):
    """(documents where every phrase stands in the title or description, cut short?)."""
    verified = np.zeros(snapshot.size, dtype=bool)
    for segment, offset in zip(snapshot.segments, snapshot.offsets.tolist(), strict=False):
        local = candidates[offset : offset + segment.size]
        if not local.any():
            continue
        sequences = segment.sequences()
        if sequences is not None:
            here = local.copy()
            for phrase in phrases:
                found = np.zeros(segment.size, dtype=bool)
                found[sequences.documents(phrase)] = True
                here &= found
            verified[offset : offset + segment.size] = here
        elif _read_phrases(segment, phrases, local, verified[offset:], deadline):
            return verified, True
    return verified, False


def _read_phrases(segment, phrases, candidates: np.ndarray, verified, deadline) -> bool:
    """Check candidates by reading their text (small segments); True if time ran out."""
    wanted = [[(w, ws.stems(w)) for w in phrase] for phrase in phrases]
    for count, docnum in enumerate(np.flatnonzero(candidates).tolist()):
        if deadline is not None and count % 32 == 0 and time.perf_counter() > deadline:
            return True
        language, title, description = segment.stored(docnum)
        texts = [_tokens(title, language), _tokens(description, language)]
        if all(any(_contains(tokens, phrase) for tokens in texts) for phrase in wanted):
            verified[docnum] = True
    return False


def _tokens(text: str, language: str) -> list[tuple[str, str]]:
    return [(w, ws.term(w, language)) for w in ws.words(text)]


def _contains(tokens: list[tuple[str, str]], phrase: list[tuple[str, frozenset[str]]]) -> bool:
    n = len(phrase)
    for i in range(len(tokens) - n + 1):
        if all(
            tokens[i + j][0] == word or tokens[i + j][1] in stems
            for j, (word, stems) in enumerate(phrase)
        ):
            return True
    return False
