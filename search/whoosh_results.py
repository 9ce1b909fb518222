"""From matching documents to a results page: filters, facet counts, order, page, snippets.

Facet values are small integer codes per document (a category path and a label set
count as one value each), so a facet's counts are one `np.bincount` over the
matching documents, folded into ancestors (categories) or members (labels).
"""

from __future__ import annotations

import html
import re

import numpy as np

from search import whoosh_schema as ws
from search.backend import FACETS, Hit, SearchQuery
from search.whoosh_matching import Marks, TextMatch, scores
from search.whoosh_segments import Snapshot

SNIPPET_CHARS = 200
LEAD_CHARS = 160
#: characters of context kept before the first matched word
BEFORE_MATCH = 60
_WORD = re.compile(r"\w+", re.UNICODE)
_MULTI_VALUED = ("label", "category")


def _allowed(facet: str, names: list[str], parts, chosen: tuple[str, ...]) -> np.ndarray:
    """Which value codes pass a facet's filter."""
    wanted = set(chosen)
    if facet == "label":  # every chosen label must be on the listing
        keep = [wanted.issubset(p) for p in parts]
    elif facet == "category":  # the category or any of its ancestors
        keep = [not wanted.isdisjoint(p) for p in parts]
    else:
        keep = [n in wanted for n in names]
    return np.array(keep, dtype=bool)


def filter_masks(snapshot: Snapshot, query: SearchQuery) -> dict[str, np.ndarray]:
    """Facet -> documents passing that facet's filter (only facets with chosen values)."""
    masks = {}
    for facet, chosen in query.filters().items():
        if chosen:
            values = snapshot.values[facet]
            allowed = _allowed(facet, values.names, values.parts, chosen)
            masks[facet] = allowed[snapshot.codes[facet]]
    return masks


def base_mask(snapshot: Snapshot, text: TextMatch, query: SearchQuery) -> np.ndarray:
    """Live documents matching the text and the price range."""
    mask = snapshot.live.copy() if text.mask is None else text.mask & snapshot.live
    if query.min_price is not None:
        mask &= snapshot.price >= query.min_price
    if query.max_price is not None:
        mask &= snapshot.price <= query.max_price
    return mask


def combine(base: np.ndarray, filters: dict[str, np.ndarray], skip: str | None = None):
    """The base narrowed by every facet filter except `skip`'s."""
    mask = base
    for facet, allowed in filters.items():
        if facet != skip:
            mask = mask & allowed
    return mask


def facet_counts(
    snapshot: Snapshot, base: np.ndarray, filters: dict[str, np.ndarray], query: SearchQuery
) -> dict[str, dict[str, int]]:
    """For every facet value, the number of results if it were chosen too."""
    everything = np.flatnonzero(combine(base, filters))
    chosen = query.filters()
    counts: dict[str, dict[str, int]] = {}
    for facet in FACETS:
        # Labels combine with AND, so choosing one more narrows the current results;
        # the other facets are OR within, so their counts ignore their own filter.
        docs = everything
        if facet != "label" and facet in filters:
            docs = np.flatnonzero(combine(base, filters, skip=facet))
        names = snapshot.values[facet].names
        parts = snapshot.values[facet].parts
        tally = np.bincount(snapshot.codes[facet][docs], minlength=len(names))
        found: dict[str, int] = {}
        for code in np.nonzero(tally)[0].tolist():
            number = int(tally[code])
            if facet in _MULTI_VALUED:
                for value in parts[code]:
                    found[value] = found.get(value, 0) + number
            elif names[code]:
                found[names[code]] = found.get(names[code], 0) + number
        for value in chosen[facet]:
            found.setdefault(value, 0)
        counts[facet] = dict(sorted(found.items(), key=lambda item: (-item[1], item[0])))
    return counts


def page_of(
    snapshot: Snapshot, mask: np.ndarray, text: TextMatch, query: SearchQuery
) -> list[tuple[int, float]]:
    """(document number, score) of the query's page, in the query's order."""
    start = (query.page - 1) * query.per_page
    stop = start + query.per_page
    sort = query.sort
    if sort == "relevance" and not text.words:
        sort = "newest"
    if sort != "relevance":
        order = snapshot.order(sort)
        chosen = order[mask[order]][start:stop]
        relevance = scores(snapshot, text.words, chosen)
        return list(zip(chosen.tolist(), relevance.tolist(), strict=True))
    docs = np.flatnonzero(mask)
    if start >= docs.size:
        return []
    relevance = scores(snapshot, text.words, docs)
    if docs.size > stop:
        # Only documents scoring at least the stop-th best can be on the page (ties kept).
        threshold = np.partition(relevance, docs.size - stop)[docs.size - stop]
        keep = relevance >= threshold
        docs, relevance = docs[keep], relevance[keep]
    order = np.lexsort((snapshot.ids[docs], -relevance))[start:stop]
    return [(int(docs[i]), float(relevance[i])) for i in order.tolist()]


def hits(snapshot: Snapshot, page: list[tuple[int, float]], marks: Marks) -> list[Hit]:
    """The page's hits with their listing ids and snippets."""
    found = []
    for docnum, score in page:
        segment, local = snapshot.locate(docnum)
        language, _title, description = segment.stored(local)
        found.append(
            Hit(
                id=int(snapshot.ids[docnum]),
                score=round(score, 4),
                snippet=snippet(description, language, marks),
            )
        )
    return found


def _marked(word: str, language: str, marks: Marks) -> bool:
    key = (word, language)
    found = marks.seen.get(key)
    if found is None:
        folded = word.casefold()
        found = marks.seen[key] = (
            folded in marks.raw
            or ws.term(folded, language) in marks.stems
            or any(folded.startswith(p) for p in marks.prefixes)
        )
    return found


def snippet(text: str, language: str, marks: Marks) -> str:
    """Escaped HTML: the description around its first matched word, matched words marked."""
    words = _WORD.finditer(text) if marks else iter(())
    first = next((m for m in words if _marked(m.group(), language, marks)), None)
    if first is None:
        cut = _cut(text, 0, LEAD_CHARS)
        return html.escape(cut) + ("…" if len(cut) < len(text.rstrip()) else "")
    start = 0
    if first.start() > BEFORE_MATCH:
        # Start the window at a word boundary shortly before the first match.
        space = text.find(" ", first.start() - BEFORE_MATCH, first.start())
        start = space + 1 if space >= 0 else first.start()
    end = start + len(_cut(text, start, SNIPPET_CHARS))
    parts = ["…"] if start > 0 else []
    position = start
    # Only the window's words are looked at: a description can be long.
    for m in _WORD.finditer(text, first.start(), end):
        if m.start() == first.start() or _marked(m.group(), language, marks):
            parts.append(html.escape(text[position : m.start()]))
            parts.append(f"<mark>{html.escape(m.group())}</mark>")
            position = m.end()
    parts.append(html.escape(text[position:end]))
    if end < len(text.rstrip()):
        parts.append("…")
    return "".join(parts).strip()


def _cut(text: str, start: int, length: int) -> str:
    """Up to `length` characters from `start`, ending at a word boundary where possible."""
    piece = text[start : start + length]
    if start + length < len(text) and " " in piece[length // 2 :]:
        piece = piece[: piece.rfind(" ")]
    return piece.rstrip()
