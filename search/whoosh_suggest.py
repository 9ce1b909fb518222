"""Helping the buyer along: "did you mean" for a query, and autocomplete for the search box."""

from __future__ import annotations

import bisect
import re

import numpy as np

from search import whoosh_schema as ws
from search.backend import Suggestion
from search.query import clean
from search.whoosh_matching import TextMatch, corrections_for, evidence
from search.whoosh_segments import Snapshot

#: "did you mean" is offered for queries finding fewer results than this
FEW_RESULTS = 3
#: alternatives tried per query word when a query finds little
ALTERNATIVES = 5
#: words of a query tried for alternatives
TRY_WORDS = 2
#: autocomplete reads at most this many candidate titles
MAX_CANDIDATES = 400
MAX_PREFIX_TERMS = 100


def _replace(text: str, replacements: dict[str, str]) -> str:
    for word, better in replacements.items():
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", better, text, flags=re.IGNORECASE)
    return text


def did_you_mean(
    snapshot: Snapshot, raw: str, text: TextMatch, scope: np.ndarray, total: int
) -> str | None:
    """The corrected query: when a word was corrected, or when a correction finds more."""
    typed = clean(raw or "")
    if text.corrections:
        return _replace(typed, text.corrections)
    if total >= FEW_RESULTS or not text.terms or text.rest is None:
        return None
    best: tuple[int, str, str] | None = None
    # The rarest words are the likely typos; trying every word would cost more than it finds.
    rarest = sorted(text.terms, key=lambda w: int(np.count_nonzero(text.terms[w] & scope)))
    for word in rarest[:TRY_WORDS]:
        others = text.rest & scope
        for other, other_found in text.terms.items():
            if other != word:
                others = others & other_found
        for candidate, _distance, _frequency in corrections_for(snapshot, word)[:ALTERNATIVES]:
            count = int(np.count_nonzero(others & evidence(snapshot, candidate)))
            if count > total and (best is None or count > best[0]):
                best = (count, word, candidate)
    return _replace(typed, {best[1]: best[2]}) if best else None


def suggestions(snapshot: Snapshot, prefix: str, limit: int = 8) -> list[Suggestion]:
    """Co-op names, then listing titles, whose start or a word's start is the typed text."""
    typed = clean(prefix or "").casefold()
    if len(typed) < 2 or limit <= 0:
        return []
    starts = re.compile(rf"(?<!\w){re.escape(typed)}")
    found: list[Suggestion] = []
    seen: set[str] = set()
    for name in sorted(_coop_names(snapshot), key=lambda n: _rank(n, typed)):
        if starts.search(name.casefold()) and name not in seen and len(found) < limit:
            seen.add(name)
            found.append(Suggestion(text=name, kind="coop"))
    if len(found) >= limit:
        return found
    titles = [t for t in _candidate_titles(snapshot, typed) if starts.search(t.casefold())]
    for title in sorted(set(titles), key=lambda t: _rank(t, typed)):
        if title not in seen and len(found) < limit:
            seen.add(title)
            found.append(Suggestion(text=title, kind="listing"))
    return found


def _rank(text: str, typed: str) -> tuple[int, int, str]:
    """Texts starting with the typed text first, then shorter, then alphabetical."""
    folded = text.casefold()
    return (0 if folded.startswith(typed) else 1, len(text), folded)


def _coop_names(snapshot: Snapshot) -> set[str]:
    names: set[str] = set()
    for segment, offset in zip(snapshot.segments, snapshot.offsets, strict=False):
        uniques, refs = segment.coop_names
        live = snapshot.live[offset : offset + segment.size]
        names.update(uniques[i] for i in np.unique(refs[live]).tolist())
    names.discard("")
    return names


def _candidate_titles(snapshot: Snapshot, typed: str) -> list[str]:
    """Titles of live listings with a title word that could start the typed text."""
    typed_words = ws.words(typed)
    if not typed_words:
        return []
    first = typed_words[0]
    # One word being typed: any title word starting with it; more: the first is complete.
    complete = len(typed_words) > 1 or not typed[-1:].isalnum()
    docs: list[int] = []
    for name in ("tf", "tw"):
        lexicon = snapshot.lexicon(name)
        terms = [first] if complete else _expand(lexicon, first)
        for term in terms:
            found = snapshot.postings(name, term)
            docs.extend(found[snapshot.live[found]].tolist()[:MAX_CANDIDATES])
            if len(docs) >= MAX_CANDIDATES:
                break
        if len(docs) >= MAX_CANDIDATES:
            break
    titles = []
    for docnum in dict.fromkeys(docs):
        segment, local = snapshot.locate(docnum)
        titles.append(segment.title(local))
    return titles


def _expand(lexicon: list[str], prefix: str) -> list[str]:
    start = bisect.bisect_left(lexicon, prefix)
    terms = []
    for term in lexicon[start : start + MAX_PREFIX_TERMS]:
        if not term.startswith(prefix):
            break
        terms.append(term)
    return terms
