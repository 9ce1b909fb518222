"""The typo rule both engines share: how far a misspelt word may be from what was meant.

A query word found nowhere in the index is replaced by vocabulary words close to it:
none for words of up to 3 letters (too many neighbours), 1 edit for 4 or 5 letters,
2 edits from 6 letters ("bycicle" -> "bicycle"). Only the closest words are used, so a
one-edit neighbour wins over two-edit ones. An edit is an inserted, deleted or changed
letter, or two neighbouring letters swapped. Up to `FREE_ENDING` letters at the end of the
vocabulary word cost nothing for words of 6 letters or more: a misspelt "bycicle" finds
"bicycles" as the index wrote it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

Candidate = TypeVar("Candidate", bound=tuple)

#: inflection letters at the end of a vocabulary word that a typo's distance ignores
FREE_ENDING = 2
#: shortest typed word whose ending letters are free ("ipone" must not become "pioneer")
FREE_ENDING_FROM = 6


def allowed_distance(word: str) -> int:
    """Edits a typo of this word may have: none up to 3 letters, 1 for 4-5, then 2."""
    if len(word) <= 3:
        return 0
    return 1 if len(word) <= 5 else 2


def closest(candidates: Iterable[Candidate]) -> list[Candidate]:
    """The candidates (word, edits, ...) at the smallest distance found, in the given order."""
    items = list(candidates)
    if not items:
        return []
    best = min(item[1] for item in items)
    return [item for item in items if item[1] == best]


def distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of neighbours is one edit), capped at limit+1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, before[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)


def typo_distance(word: str, term: str, limit: int) -> int:
    """`distance`, where the term may end in up to FREE_ENDING extra letters at no cost."""
    best = distance(word, term, limit)
    if len(word) < FREE_ENDING_FROM:
        return best
    for cut in range(1, FREE_ENDING + 1):
        if len(term) - cut >= max(4, len(word) - 2):
            best = min(best, distance(word, term[: len(term) - cut], limit))
    return best
