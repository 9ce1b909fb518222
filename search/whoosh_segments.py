"""One Whoosh segment held in memory as arrays, and a snapshot of the index made of them.

Whoosh answers a query by walking posting lists in Python, which is what made a plain
set-up miss the latency targets. Here a segment's per-document values (ids, prices,
dates, facet values) are loaded once as numpy arrays, and each posting list that a
query touches is decoded once into an array of document numbers and kept. Segments
never change after they are written (only their deleted set grows), so this work is
cached per segment id: a commit of a few documents only costs its own small segment.
A `Snapshot` glues the segments of one index generation into flat arrays.
"""

from __future__ import annotations

import threading
import zlib
from array import array
from collections import OrderedDict
from pickle import loads  # noqa: S403 - Whoosh's own posting blocks, written by us

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.reading import SegmentReader, TermNotFound

from search import whoosh_schema as ws
from search.whoosh_fuzzy import Vocabulary
from search.whoosh_phrases import Sequences

#: decoded posting lists kept per segment (int32 arrays), and their most bytes in all
POSTINGS_CACHE = 20_000
POSTINGS_BYTES = 128 * 1024 * 1024
_NUMBERS_DTYPE = np.dtype([(name, "<i8") for name in ws.NUMBER_FIELDS])


class Segment:
    """A segment's column arrays and a cache of its decoded posting lists."""

    def __init__(self, storage, schema, segment) -> None:
        self.segid = segment.segment_id()
        self._storage = storage
        self._info = segment
        self.reader = SegmentReader(storage, schema, segment)
        self.size = segment.doc_count_all()
        self._postings: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._postings_bytes = 0
        self._lexicons: dict[str, list[str]] = {}
        self._vocabularies: dict[str, Vocabulary] = {}
        self._lock = threading.Lock()
        numbers = np.frombuffer(self._fixed("numbers", ws.NUMBERS.size), dtype=_NUMBERS_DTYPE)
        self.numbers = {name: numbers[name].copy() for name in ws.NUMBER_FIELDS}
        raw = self._fixed("fingerprint", ws.FINGERPRINT_BYTES)
        self.fingerprints = np.frombuffer(raw, dtype=np.uint8).reshape(-1, ws.FINGERPRINT_BYTES)
        self.refs: dict[str, tuple[list[str], np.ndarray]] = {
            name: self._refs(f"f_{name}") for name in ws.FACET_COLUMNS
        }
        self.coop_names = self._refs("coop_name")
        self._titles = self.reader.column_reader("title", translate=False)
        self._sequences: Sequences | None | bool = False

    def _fixed(self, field: str, width: int) -> bytes:
        """The raw bytes of a fixed-width column, padded with zeros for trailing defaults."""
        column = self.reader.column_reader(field, translate=False)
        count = getattr(column, "_count", 0)
        data = column._dbfile.get(column._basepos, count * width) if count else b""
        return data + b"\0" * (self.size * width - len(data))

    def _refs(self, field: str) -> tuple[list[str], np.ndarray]:
        """(distinct values, per-document index into them) of a RefBytes column."""
        column = self.reader.column_reader(field, translate=False)
        uniques = getattr(column, "_uniques", None)
        if uniques is None:  # the segment has no value at all in this column
            return [""], np.zeros(self.size, dtype=np.int32)
        dtype = ">u2" if column._typecode == "H" else "u1"
        width = np.dtype(dtype).itemsize
        raw = column._dbfile.get(column._basepos, self.size * width)
        refs = np.frombuffer(raw, dtype=dtype).astype(np.int32)
        return [u.decode("utf-8") for u in uniques], refs

    def postings(self, field: str, term: str) -> np.ndarray:
        """Document numbers (in this segment, deleted ones included) containing the term."""
        key = (field, term)
        with self._lock:
            found = self._postings.get(key)
            if found is not None:
                self._postings.move_to_end(key)
                return found
        found = self._decode(field, term)
        with self._lock:
            if key not in self._postings:
                self._postings[key] = found
                self._postings_bytes += found.nbytes
            while self._postings and (
                len(self._postings) > POSTINGS_CACHE or self._postings_bytes > POSTINGS_BYTES
            ):
                self._postings_bytes -= self._postings.popitem(last=False)[1].nbytes
        return found

    def _decode(self, field: str, term: str) -> np.ndarray:
        try:
            matcher = self.reader._terms.matcher(
                field, term.encode("utf-8"), self.reader.schema[field].format
            )
        except TermNotFound:
            return np.empty(0, dtype=np.int32)
        if isinstance(matcher, W3LeafMatcher):
            return _read_blocks(matcher)
        return np.fromiter(matcher.all_ids(), dtype=np.int32)

    def lexicon(self, field: str) -> list[str]:
        """Every term of a field in this segment, sorted."""
        found = self._lexicons.get(field)
        if found is None:
            name = self._info.make_filename(f".{field}.lex")
            if self._storage.file_exists(name):  # written by a rebuild: much faster to read
                with self._storage.open_file(name) as lexicon:
                    text = lexicon.read().decode("utf-8")
                found = text.split("\n") if text else []
            else:
                found = [t.decode("utf-8") for t in self.reader.lexicon(field)]
            self._lexicons[field] = found
        return found

    def vocabulary(self, field: str) -> Vocabulary:
        """The field's terms, searchable by edit distance."""
        found = self._vocabularies.get(field)
        if found is None:
            found = self._vocabularies[field] = Vocabulary(self.lexicon(field))
        return found

    def sequences(self) -> Sequences | None:
        """The documents as term numbers for phrases (only segments a rebuild wrote)."""
        if self._sequences is False:
            exists = Sequences.exist(self._storage, self._info)
            self._sequences = Sequences(self._storage, self._info) if exists else None
        return self._sequences

    def title(self, docnum: int) -> str:
        """A document's listing title as written."""
        return self._titles[docnum].decode("utf-8")

    def stored(self, docnum: int) -> tuple[str, str, str]:
        """(language, title, description) of a document."""
        return self.reader.stored_fields(docnum)["stored"]

    def close(self) -> None:
        if not self.reader.is_closed:
            self.reader.close()


def _read_blocks(matcher: W3LeafMatcher) -> np.ndarray:
    """All document numbers of a posting list, reading Whoosh's blocks directly.

    The matcher's own iteration costs a Python call per posting; a block is one pickled,
    delta-encoded tuple, which numpy turns back into numbers in one step.
    """
    postfile = matcher._postfile
    position = matcher._baseoffset
    parts = []
    while True:
        postfile.seek(position)
        length = postfile.read_int()
        last = length < 0
        length = abs(length)
        info = postfile.read_pickle()
        start = postfile.tell()
        data = postfile.get(start, position + 4 + length - start)
        if info[3]:
            data = zlib.decompress(data)
        ids = loads(data)[0]  # noqa: S301
        if isinstance(ids, array):  # written by our bulk writer
            deltas = np.frombuffer(ids, dtype=np.uint32 if ids.typecode == "I" else ids.typecode)
        else:
            deltas = np.asarray(ids, dtype=np.int64)
        parts.append(np.cumsum(deltas, dtype=np.int64))
        if last:
            break
        position += 4 + length
    return np.concatenate(parts).astype(np.int32) if parts else np.empty(0, dtype=np.int32)


class Values:
    """A facet's distinct values across all segments, numbered in order of first sight.

    Codes only ever grow, so arrays coded by an older table stay valid.
    """

    def __init__(self) -> None:
        self.names: list[str] = [""]
        #: each value split into its parts (a category path, a label set)
        self.parts: list[tuple[str, ...]] = [()]
        self.codes: dict[str, int] = {"": 0}

    def code(self, value: str) -> int:
        found = self.codes.get(value)
        if found is None:
            found = self.codes[value] = len(self.names)
            self.names.append(value)
            self.parts.append(ws.split_values(value))
        return found

    def recode(self, uniques: list[str], refs: np.ndarray) -> np.ndarray:
        """Segment-local references as codes of this table."""
        table = np.fromiter((self.code(u) for u in uniques), dtype=np.int32, count=len(uniques))
        return table[refs]


class Layout:
    """Segments side by side as flat arrays; shared by generations that only delete."""

    def __init__(self, segments: list[Segment], values: dict[str, Values]) -> None:
        self.segments = segments
        self.key = tuple(s.segid for s in segments)
        self.offsets = np.cumsum([0] + [s.size for s in segments])
        self.size = int(self.offsets[-1])
        numbers = {
            name: _concat([s.numbers[name] for s in segments], np.int64)
            for name in ws.NUMBER_FIELDS
        }
        self.ids = numbers["id"]
        self.price = numbers["price"]
        self.created = numbers["created"]
        self.title_len = numbers["title_len"]
        #: short titles weigh a little more: a title that is just the query word is the best hit
        self.title_factor = (0.75 + 1.0 / (1.0 + self.title_len)).astype(np.float32)
        self.codes = {
            name: _concat([values[name].recode(*s.refs[name]) for s in segments], np.int32)
            for name in ws.FACET_COLUMNS
        }
        self.values = values
        self._orders: dict[str, np.ndarray] = {}
        self._lexicons: dict[str, list[str]] = {}
        self._postings: dict[tuple[str, str], np.ndarray] = {}
        self._lock = threading.Lock()

    def order(self, sort: str) -> np.ndarray:
        """Every document number in a sort's order (computed once per layout)."""
        with self._lock:
            found = self._orders.get(sort)
            if found is None:
                if sort == "price_asc":
                    found = np.lexsort((self.ids, self.price))
                elif sort == "price_desc":
                    found = np.lexsort((self.ids, -self.price))
                else:  # newest: created desc, id desc
                    found = np.lexsort((-self.ids, -self.created))
                self._orders[sort] = found
        return found

    def postings(self, field: str, term: str) -> np.ndarray:
        """Layout-wide document numbers containing the term (deleted ones included)."""
        if len(self.segments) == 1:
            return self.segments[0].postings(field, term)
        key = (field, term)
        found = self._postings.get(key)
        if found is None:
            parts = [
                s.postings(field, term) + offset
                for s, offset in zip(self.segments, self.offsets, strict=False)
            ]
            found = _concat(parts, np.int64)
            with self._lock:
                self._postings[key] = found
                if len(self._postings) > POSTINGS_CACHE // 4:
                    self._postings.pop(next(iter(self._postings)))
        return found

    def locate(self, docnum: int) -> tuple[Segment, int]:
        """The segment holding a layout-wide document number, and its number there."""
        index = int(np.searchsorted(self.offsets, docnum, side="right")) - 1
        return self.segments[index], docnum - int(self.offsets[index])

    def lexicon(self, field: str) -> list[str]:
        """Every term of a field in any segment, sorted."""
        found = self._lexicons.get(field)
        if found is None:
            if len(self.segments) == 1:
                found = self.segments[0].lexicon(field)
            else:
                merged: set[str] = set()
                for segment in self.segments:
                    merged.update(segment.lexicon(field))
                found = sorted(merged)
            self._lexicons[field] = found
        return found


class Snapshot:
    """One generation of the index: a layout and which of its documents are live."""

    def __init__(self, key: object, layout: Layout, deleted: list[set[int]]) -> None:
        self.key = key
        self.layout = layout
        live = np.ones(layout.size, dtype=bool)
        for offset, gone in zip(layout.offsets, deleted, strict=False):
            if gone:
                live[offset + np.fromiter(gone, dtype=np.int64)] = False
        self.live = live
        self.count = int(live.sum())

    def __getattr__(self, name: str):
        # Everything but liveness belongs to the layout (arrays, orders, postings).
        return getattr(self.layout, name)


def _concat(parts: list[np.ndarray], dtype) -> np.ndarray:
    if not parts:
        return np.empty(0, dtype=dtype)
    if len(parts) == 1:
        return parts[0].astype(dtype, copy=False)
    return np.concatenate(parts).astype(dtype, copy=False)
