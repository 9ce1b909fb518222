"""Typo tolerance: the vocabulary words within a small edit distance of a query word.

Comparing a word with every vocabulary word in Python is too slow for tens of
thousands of words. Each vocabulary keeps a letter histogram per word (one edit
changes a histogram by at most 2), so one numpy pass discards nearly every word;
the exact distance (optimal string alignment: a swap of neighbours is one edit) is
then computed for all remaining words at once, one numpy row per letter of the query.
"""

from __future__ import annotations

import numpy as np

from search.fuzzy import FREE_ENDING, FREE_ENDING_FROM

_BUCKETS = 32


def _histogram(word: str) -> np.ndarray:
    counts = np.zeros(_BUCKETS, dtype=np.int16)
    for ch in word:
        counts[ord(ch) % _BUCKETS] += 1
    return counts


class Vocabulary:
    """Words of one field in one segment, searchable by edit distance."""

    def __init__(self, terms: list[str]) -> None:
        self.terms = terms
        self._near: dict[tuple[str, int], list[tuple[str, int]]] = {}
        self.lengths = np.fromiter((len(t) for t in terms), dtype=np.int64, count=len(terms))
        self.histograms = np.zeros((len(terms), _BUCKETS), dtype=np.int16)
        #: the terms' letters as numbers, one row per term, padded with zeros
        self.letters = np.zeros((len(terms), int(self.lengths.max(initial=0))), dtype=np.uint32)
        if terms:
            # All letters of all terms at once: row and column of each letter.
            letters = np.frombuffer("".join(terms).encode("utf-32-le"), dtype=np.uint32)
            rows = np.repeat(np.arange(len(terms)), self.lengths)
            starts = np.repeat(np.cumsum(self.lengths) - self.lengths, self.lengths)
            self.letters[rows, np.arange(letters.size) - starts] = letters
            cells = np.bincount(
                rows * _BUCKETS + letters % _BUCKETS, minlength=self.histograms.size
            )
            self.histograms = cells.reshape(len(terms), _BUCKETS).astype(np.int16)

    def near(self, word: str, limit: int) -> list[tuple[str, int]]:
        """(term, distance) of every term within `limit` edits of the word, itself excluded."""
        if limit <= 0 or not self.terms:
            return []
        key = (word, limit)
        found = self._near.get(key)
        if found is None:
            if len(self._near) > 10_000:
                self._near.clear()
            found = self._near[key] = self._search(word, limit)
        return found

    def _search(self, word: str, limit: int) -> list[tuple[str, int]]:
        # A term may also carry up to FREE_ENDING letters of inflection past the typo
        # ("bycicle" -> "bicycles"): those letters cost nothing.
        free = FREE_ENDING if len(word) >= FREE_ENDING_FROM else 0
        extra = self.lengths - len(word)
        close = (extra >= -limit) & (extra <= limit + free)
        rows = np.nonzero(close)[0]
        if rows.size:
            spread = np.abs(self.histograms[rows] - _histogram(word)).sum(axis=1)
            rows = rows[spread <= 2 * limit + free]
        if not rows.size:
            return []
        width = int(self.lengths[rows].max())
        found = distances(word, self.letters[rows, :width], self.lengths[rows], free)
        return [
            (self.terms[row], int(d))
            for row, d in zip(rows.tolist(), found.tolist(), strict=True)
            if d <= limit and self.terms[row] != word
        ]


def distances(
    word: str, letters: np.ndarray, lengths: np.ndarray, free_ending: int = 0
) -> np.ndarray:
    """Optimal string alignment distance from the word to many terms at once.

    One dynamic-programming row per letter of the word, computed for every term together;
    terms are rows of letter numbers padded with zeros (padding never changes the columns
    before it, so each term's distance is read at its own length).
    """
    count, width = letters.shape
    steps = np.arange(width + 1)
    previous = np.broadcast_to(steps, (count, width + 1)).astype(np.int32)
    before = previous
    codes = [ord(ch) for ch in word]
    for i, code in enumerate(codes, start=1):
        # Deleting the word's letter, or keeping/substituting it.
        best = np.minimum(previous[:, 1:] + 1, previous[:, :-1] + (letters != code))
        if i > 1 and width > 1:
            swapped = (letters[:, :-1] == code) & (letters[:, 1:] == codes[i - 2])
            best[:, 1:] = np.where(
                swapped, np.minimum(best[:, 1:], before[:, :-2] + 1), best[:, 1:]
            )
        # Inserting letters of the term: current[j] = min(best[j], current[j - 1] + 1).
        current = np.empty_like(previous)
        current[:, 0] = i
        current[:, 1:] = best
        current = np.minimum.accumulate(current - steps, axis=1) + steps
        before, previous = previous, current
    rows = np.arange(count)
    found = previous[rows, lengths]
    for cut in range(1, free_ending + 1):
        # The distance to the term without its last `cut` letters (never shorter than 4).
        usable = lengths - cut >= max(4, len(word) - 2)
        cut_distance = previous[rows, np.maximum(lengths - cut, 0)]
        found = np.where(usable, np.minimum(found, cut_distance), found)
    return found
