"""Phrases: where a query's words stand next to each other, in order, in a title or description.

The index keeps no word positions (Whoosh would hand them back one posting at a time).
Instead a rebuild writes, next to its segment, every document's title and description
as one long array of term numbers, with a 0 between texts so no phrase spans two. A
phrase is then found for all documents at once: the positions of its first term, kept
where the following terms follow, mapped back to documents. Segments written by
ordinary commits are small and have no such file: their candidates are read one by one.
"""

from __future__ import annotations

from array import array

import numpy as np

from search import whoosh_schema as ws
from search.backend import LANGUAGES

TOKENS = ".seq"
STARTS = ".seqstart"
TERMS = ".seqterms"


class SequenceWriter:
    """Collects each document's term numbers while a rebuild writes its segment."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {"": 0}
        self.tokens = array("I")
        self.starts = array("q")

    def add(self, texts: tuple[str, ...], language: str) -> None:
        """Append one document (its texts in order)."""
        numbers, tokens = self.numbers, self.tokens
        self.starts.append(len(tokens))
        for text in texts:
            for word in ws.words(text):
                term = ws.term(word, language)
                number = numbers.get(term)
                if number is None:
                    number = numbers[term] = len(numbers)
                tokens.append(number)
            tokens.append(0)

    def write(self, storage, segment) -> None:
        """Store the arrays as files of the segment (Whoosh deletes them with it)."""
        self.starts.append(len(self.tokens))
        for ext, data in (
            (TOKENS, self.tokens.tobytes()),
            (STARTS, self.starts.tobytes()),
            (TERMS, "\n".join(self.numbers).encode("utf-8")),
        ):
            with segment.create_file(storage, ext) as out:
                out.write(data)


class Sequences:
    """A segment's documents as term numbers, read back from a rebuild's files."""

    def __init__(self, storage, segment) -> None:
        def read(ext: str) -> bytes:
            with storage.open_file(segment.make_filename(ext)) as found:
                return found.read()

        self.tokens = np.frombuffer(read(TOKENS), dtype=np.uint32)
        self.starts = np.frombuffer(read(STARTS), dtype=np.int64)
        self.numbers = {t: n for n, t in enumerate(read(TERMS).decode("utf-8").split("\n"))}

    @staticmethod
    def exist(storage, segment) -> bool:
        return storage.file_exists(segment.make_filename(TOKENS))

    def documents(self, phrase: tuple[str, ...]) -> np.ndarray:
        """Document numbers (in the segment) where the phrase stands, in any language."""
        found = []
        for language in LANGUAGES:
            numbers = [self.numbers.get(ws.term(word, language)) for word in phrase]
            if None in numbers:
                continue
            positions = np.flatnonzero(self.tokens == numbers[0])
            for step, number in enumerate(numbers[1:], start=1):
                positions = positions[positions + step < self.tokens.size]
                positions = positions[self.tokens[positions + step] == number]
            found.append(np.searchsorted(self.starts, positions, side="right") - 1)
        return np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)
