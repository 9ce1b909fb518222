"""The embedded search engine: a Whoosh index in a folder, queried through in-memory arrays.

Layout of the folder::

    writer.lock     flock()ed by the one process that writes (`writer_lock`)
    CURRENT         name of the live index folder; replaced atomically by `rebuild`
    index-<n>/      a Whoosh index (segments, TOC files)

Whoosh stores the documents; reading is done by `search.whoosh_segments` (columns and
posting lists as numpy arrays, cached per segment), `search.whoosh_matching` (text)
and `search.whoosh_results` (filters, facets, order, snippets). Each query first checks
cheaply whether another process committed (the pointer file and the newest TOC
generation) and then opens only the segments it has not seen yet.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, FileIndex

from search import whoosh_results as wr
from search import whoosh_schema as ws
from search.backend import (
    MAX_PAGE,
    MAX_PER_PAGE,
    ListingDocument,
    SearchError,
    SearchQuery,
    SearchResult,
    Suggestion,
)
from search.query import parse
from search.whoosh_codec import Codec, merge_small, write_segment
from search.whoosh_matching import TextMatch, match
from search.whoosh_segments import Layout, Segment, Snapshot, Values
from search.whoosh_suggest import did_you_mean, suggestions

POINTER = "CURRENT"
LOCK_FILE = "writer.lock"
#: written into each index folder: an index of another format must be rebuilt, not read
FORMAT_FILE = "FORMAT"
#: a query still running after this many seconds returns what it has, marked partial
TIME_LIMIT = 0.25
#: results kept for repeated queries (keyed by index generation and query)
RESULT_CACHE = 256
#: how long index() waits for Whoosh's own lock if something outside our lock holds it
WHOOSH_LOCK_TIMEOUT = 30.0


class WhooshBackend:
    """Whoosh in a folder; several processes may read, the `writer_lock` holder writes."""

    name = "whoosh"

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._schema = ws.schema()
        self._segments: dict[tuple[str, str], Segment] = {}
        self._retired: list[Segment] = []
        self._values = {name: Values() for name in ws.FACET_COLUMNS}
        self._snapshot: Snapshot | None = None
        self._read_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._write_depth = 0
        self._lock_fd: int | None = None
        self._results: OrderedDict[tuple, SearchResult] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._closer = weakref.finalize(self, _close_all, self._segments, self._retired)
        if not (self.folder / POINTER).exists():
            with self.writer_lock():
                if not (self.folder / POINTER).exists():
                    self._swap_in(self._create_index())

    # Writing

    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        """Held by the one writer across processes (flock on a file in the folder; blocks)."""
        with self._write_lock:
            if self._write_depth == 0:
                fd = os.open(self.folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                except BaseException:
                    os.close(fd)
                    raise
                self._lock_fd = fd
            self._write_depth += 1
            try:
                yield
            finally:
                self._write_depth -= 1
                if self._write_depth == 0 and self._lock_fd is not None:
                    fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
                    os.close(self._lock_fd)
                    self._lock_fd = None

    def index(self, documents: Iterable[ListingDocument]) -> None:
        """Add or replace these listings, in one commit."""
        latest = {doc.id: doc for doc in documents}  # one document per listing
        if latest:
            self._write(
                lambda writer: [writer.update_document(**ws.fields_for(d)) for d in latest.values()]
            )

    def remove(self, ids: Iterable[int]) -> None:
        """Take these listings out (ids not in the index are ignored), in one commit."""
        keys = sorted({str(int(i)) for i in ids})
        if keys:
            self._write(lambda writer: [writer.delete_by_term("key", k) for k in keys])

    def _write(self, change) -> None:
        with self.writer_lock():
            name = self._current_name()
            self._check_format(name)
            try:
                ix = self._open_index(name)
                writer = ix.writer(timeout=WHOOSH_LOCK_TIMEOUT, codec=Codec())
            except Exception as error:
                raise SearchError(f"search index cannot be written: {error}") from error
            try:
                change(writer)
                writer.commit(mergetype=merge_small)
            except BaseException as error:
                if not writer.is_closed:
                    writer.cancel()
                if isinstance(error, Exception):
                    raise SearchError(f"search index update failed: {error}") from error
                raise

    def rebuild(self, documents: Iterable[ListingDocument]) -> int:
        """Build a new index aside from these documents and swap it in; returns the count."""
        with self.writer_lock():
            name = self._create_index()
            try:
                count = write_segment(self._open_index(name), documents)
            except BaseException as error:
                _remove_tree(self.folder / name)
                if not isinstance(error, Exception):
                    raise
                raise SearchError(f"search index rebuild failed: {error}") from error
            self._swap_in(name)
            return count

    def _create_index(self) -> str:
        name = f"index-{time.time_ns()}"
        path = self.folder / name
        path.mkdir()
        FileStorage(str(path)).create_index(self._schema)
        (path / FORMAT_FILE).write_text(ws.FORMAT)
        return name

    def _swap_in(self, name: str) -> None:
        """Point readers at a new index folder atomically, then drop folders two swaps old."""
        previous = self._current_name() if (self.folder / POINTER).exists() else None
        temporary = self.folder / f"{POINTER}.{os.getpid()}.tmp"
        temporary.write_text(name)
        os.replace(temporary, self.folder / POINTER)
        # The folder just replaced stays: other processes may still be reading it.
        for old in self.folder.glob("index-*"):
            if old.name not in (name, previous):
                _remove_tree(old)

    # Reading

    def _current_name(self) -> str:
        return (self.folder / POINTER).read_text().strip()

    def _open_index(self, name: str) -> FileIndex:
        return FileStorage(str(self.folder / name)).open_index(schema=self._schema)

    def snapshot(self) -> Snapshot:
        """The index as of its latest commit (reusing every segment already loaded)."""
        for attempt in range(10):
            try:
                name = self._current_name()
                storage = FileStorage(str(self.folder / name))
                generation = TOC._latest_generation(storage, "MAIN")
                current = self._snapshot
                if current is not None and current.key == (name, generation):
                    return current
                with self._read_lock:
                    return self._load(name, storage)
            except SearchError:
                raise
            except Exception as error:
                # A writer may remove a TOC or segment file between our listing and reading it.
                if attempt == 9:
                    raise SearchError(f"search index cannot be read: {error}") from error
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    def _check_format(self, name: str) -> None:
        found = self.folder / name / FORMAT_FILE
        if not found.exists() or found.read_text().strip() != ws.FORMAT:
            raise SearchError("the search index has an older format: run `flask search reindex`")

    def _load(self, name: str, storage: FileStorage) -> Snapshot:
        self._check_format(name)
        toc = TOC.read(storage, "MAIN", schema=self._schema)
        key = (name, toc.generation)
        if self._snapshot is not None and self._snapshot.key == key:
            return self._snapshot
        segments, deleted = [], []
        for info in toc.segments:
            cache_key = (name, info.segment_id())
            segment = self._segments.get(cache_key)
            if segment is None:
                segment = self._segments[cache_key] = Segment(storage, toc.schema, info)
            segments.append(segment)
            deleted.append(set(info.deleted_docs()) if info.has_deletions() else set())
        # Close segments two generations old: a query in another thread may still be
        # using the ones just dropped.
        for segment in self._retired:
            segment.close()
        used = {(name, s.segid) for s in segments}
        self._retired[:] = [self._segments.pop(k) for k in list(self._segments) if k not in used]
        layout = self._snapshot.layout if self._snapshot is not None else None
        if layout is None or layout.key != tuple(s.segid for s in segments):
            layout = Layout(segments, self._values)
        self._snapshot = Snapshot(key, layout, deleted)
        with self._cache_lock:
            self._results.clear()
        return self._snapshot

    def query(self, query: SearchQuery) -> SearchResult:
        """Results, facet counts and "did you mean" for one search."""
        snapshot = self.snapshot()
        key = (snapshot.key, query)
        with self._cache_lock:
            cached = self._results.get(key)
        if cached is not None:
            return _copy(cached)
        try:
            result = self._query(snapshot, query)
        except SearchError:
            raise
        except Exception as error:
            raise SearchError(f"search failed: {error}") from error
        if not result.partial:
            with self._cache_lock:
                self._results[key] = _copy(result)
                while len(self._results) > RESULT_CACHE:
                    self._results.popitem(last=False)
        return result

    def _query(self, snapshot: Snapshot, query: SearchQuery) -> SearchResult:
        deadline = time.perf_counter() + TIME_LIMIT
        parsed = parse(query.text)
        text = match(snapshot, parsed, deadline)
        scope = wr.base_mask(snapshot, TextMatch(mask=None, marks=text.marks), query)
        base = scope if text.mask is None else scope & text.mask
        filters = wr.filter_masks(snapshot, query)
        results = wr.combine(base, filters)
        total = int(results.sum())
        per_page = min(max(query.per_page, 1), MAX_PER_PAGE)
        page = max(query.page, 1)
        hits = []
        if page <= MAX_PAGE:
            paged = SearchQuery(sort=query.sort, page=page, per_page=per_page)
            hits = wr.hits(snapshot, wr.page_of(snapshot, results, text, paged), text.marks)
        return SearchResult(
            total=total,
            hits=hits,
            facets=wr.facet_counts(snapshot, base, filters, query) if query.facets else {},
            suggestion=did_you_mean(snapshot, query.text, text, wr.combine(scope, filters), total),
            partial=text.partial,
            notices=parsed.notices,
        )

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Autocomplete: co-op names, then listing titles, starting with what was typed."""
        try:
            return suggestions(self.snapshot(), prefix, limit)
        except SearchError:
            raise
        except Exception as error:
            raise SearchError(f"autocomplete failed: {error}") from error

    def count(self) -> int:
        """How many listings the index holds."""
        return self.snapshot().count

    def fingerprints(self) -> dict[int, str]:
        """Listing id -> fingerprint of every document in the index."""
        snapshot = self.snapshot()
        if not snapshot.segments:
            return {}
        prints = np.concatenate([s.fingerprints for s in snapshot.segments])[snapshot.live]
        ids = snapshot.ids[snapshot.live]
        return {int(i): bytes(p).hex() for i, p in zip(ids.tolist(), prints, strict=True)}

    def close(self) -> None:
        """Close the index files (the backend reopens them on next use)."""
        with self._read_lock:
            self._closer()
            self._snapshot = None
            self._segments.clear()
            self._retired.clear()
            self._closer = weakref.finalize(self, _close_all, self._segments, self._retired)


def _copy(result: SearchResult) -> SearchResult:
    """A copy a caller may change without changing the cached result (hits are frozen)."""
    return replace(
        result, hits=list(result.hits), facets={k: dict(v) for k, v in result.facets.items()}
    )


def _close_all(segments: dict[tuple[str, str], Segment], retired: list[Segment]) -> None:
    for segment in [*segments.values(), *retired]:
        segment.close()


def _remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
