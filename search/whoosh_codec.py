"""How our segments are written: Whoosh's W3 format, without its slow paths.

* `Codec` switches off per-posting field-length statistics. None of our fields is
  scored by length, yet with them on Whoosh looks the length column up for every
  posting it writes, which costs a `stat()` call each time (most of a plain build).
* `write_segment` writes a whole new segment from documents in one pass: the
  inverted index is gathered in Python dicts and each posting list is written as a
  few large blocks, instead of Whoosh's sorting pool taking every posting alone.
* Next to the segment it writes each document's words as term numbers, for phrases
  (`search.whoosh_phrases`), and the sorted terms of two fields (listing them through
  Whoosh takes ~16 microseconds a term).
* `merge_small` is the merge policy for incremental commits: it only ever merges
  small segments with each other, never the big one a rebuild wrote (merging that
  would take a commit minutes).

Segments written this way are ordinary W3 segments: Whoosh reads them as usual.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Iterable
from pickle import dumps

import numpy as np
from whoosh.codec.whoosh3 import (
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3TermInfo,
)
from whoosh.index import TOC, clean_files
from whoosh.reading import SegmentReader
from whoosh.system import pack_ushort

from search import whoosh_schema as ws
from search.backend import ListingDocument
from search.whoosh_phrases import SequenceWriter

#: postings per block when writing in bulk (Whoosh's own default is 128)
BULK_BLOCK = 1024
#: segments under a tier's size are merged once there are MERGE_COUNT of them; a rebuild's
#: segment is bigger than every tier, so a commit never rewrites it (that takes minutes)
MERGE_TIERS = (2_000, 20_000)
MERGE_COUNT = 10
#: fields whose sorted term list is also written as a plain file (Whoosh lists terms slowly)
LEXICON_FIELDS = ("x", "tw")
_TEXT_FIELDS = ("key", "t", "m", "d", "x", "tw", "tf")


class Codec(W3Codec):
    """W3 without per-posting length statistics (our fields are not length-scored)."""

    length_stats = False


def merge_small(writer, segments):
    """Merge policy: once MERGE_COUNT segments are under a size tier, fold them into one."""
    for tier in MERGE_TIERS:
        small = [s for s in segments if s.doc_count_all() - s.deleted_count() < tier]
        if len(small) >= MERGE_COUNT:
            for segment in small:
                reader = SegmentReader(writer.storage, writer.schema, segment)
                try:
                    writer.add_reader(reader)
                finally:
                    reader.close()
            return [s for s in segments if s not in small]
    return segments


def write_segment(ix, documents: Iterable[ListingDocument]) -> int:
    """Write the documents as one new segment of an empty index and commit it."""
    codec = Codec(blocklimit=BULK_BLOCK, compression=1)
    storage, schema = ix.storage, ix.schema
    lock = ix.lock("WRITELOCK")
    if not lock.acquire():
        raise RuntimeError("the new index is locked by another writer")
    try:
        segment = codec.new_segment(storage, ix.indexname)
        # Posting lists as arrays of 4-byte numbers: a million listings stay within memory.
        postings: dict[str, dict[str, array]] = {name: {} for name in _TEXT_FIELDS}
        perdoc = codec.per_document_writer(storage, segment)
        columns = [
            (name, schema[name], schema[name].column_type)
            for name in schema.names()
            if schema[name].column_type is not None
        ]
        stored = schema["stored"]
        sequences = SequenceWriter()
        count = 0
        try:
            for docnum, doc in enumerate(documents):
                values = ws.fields_for(doc)
                for name in _TEXT_FIELDS:
                    terms = postings[name]
                    value = values[name]
                    for word in {value} if isinstance(value, str) else set(value):
                        found = terms.get(word)
                        if found is None:
                            terms[word] = array("I", (docnum,))
                        else:
                            found.append(docnum)
                sequences.add((doc.title, doc.description), values["stored"][0])
                perdoc.start_doc(docnum)
                perdoc.add_field("stored", stored, values["stored"], 0)
                for name, _field, column in columns:
                    perdoc.add_column_value(name, column, values[name])
                perdoc.finish_doc()
                count = docnum + 1
        finally:
            perdoc.close()
            # The per-document writer assembles columns in a temporary folder.
            storage.temp_storage(f"{ix.indexname}.tmp").destroy()
        sequences.write(storage, segment)
        for name in LEXICON_FIELDS:
            with segment.create_file(storage, f".{name}.lex") as lexicon:
                lexicon.write("\n".join(sorted(postings[name])).encode("utf-8"))
        fieldwriter = codec.field_writer(storage, segment)
        try:
            for name in sorted(_TEXT_FIELDS):
                _write_field(fieldwriter, name, schema[name], postings.pop(name))
        finally:
            fieldwriter.close()
        segment.set_doc_count(count)
        generation = TOC._latest_generation(storage, ix.indexname) + 1
        TOC(schema, [segment], generation).write(storage, ix.indexname)
        clean_files(storage, ix.indexname, generation, [segment])
        return count
    finally:
        lock.release()


def _write_field(writer: W3FieldWriter, name: str, field, terms: dict[str, array]) -> None:
    """Every term of a field in byte order, each posting list as a few big blocks."""
    writer.start_field(name, field)
    key = pack_ushort(writer._fieldid)
    postfile = writer._postfile
    encoded = sorted((term.encode("utf-8"), docs) for term, docs in terms.items())
    for btext, docs in encoded:
        start = postfile.tell()
        postfile.write(WHOOSH3_HEADER_MAGIC)
        for offset in range(0, len(docs), BULK_BLOCK):
            ids = docs[offset : offset + BULK_BLOCK]
            # Each block's ids are delta-encoded from zero, as Whoosh's reader expects; as an
            # array (any iterable of ints is fine for Whoosh) they load back in one step.
            if len(ids) > 32:
                deltas = np.diff(np.frombuffer(ids, dtype=np.uint32), prepend=np.uint32(0))
                block = array("I", deltas.astype(np.uint32).tobytes())
                data = dumps((block, None, None), 5)
            else:  # a pickled array costs ~50 bytes of its own: small blocks stay tuples
                block = (ids[0], *(b - a for a, b in zip(ids, ids[1:], strict=False)))
                data = dumps((block, None, None), 2)
            last_id = ids[-1]
            # Compressing a handful of numbers costs more than it saves.
            level = 1 if len(block) > 32 else 0
            if level:
                data = zlib.compress(data, level)
            info = dumps((len(block), last_id, 1.0, level, 0, 0), 2)
            length = len(info) + len(data)
            postfile.write_int(-length if offset + BULK_BLOCK >= len(docs) else length)
            postfile.write(info)
            postfile.write(data)
        terminfo = W3TermInfo()
        terminfo._weight = float(len(docs))
        terminfo._df = len(docs)
        terminfo._maxweight = 1.0
        terminfo._minid = docs[0]
        terminfo._maxid = docs[-1]
        terminfo.set_extent(start, postfile.tell() - start)
        writer._tindex.add(key + btext, terminfo.to_bytes())
    writer.finish_field()
