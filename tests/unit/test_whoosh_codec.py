"""Segments written in bulk by a rebuild read back exactly like Whoosh's own."""

from __future__ import annotations

import pytest
from whoosh.filedb.filestore import FileStorage

from search import whoosh_codec
from search.backend import SearchQuery
from search.whoosh_backend import POINTER, WhooshBackend
from tests.unit.test_whoosh_backend import document


@pytest.fixture
def documents():
    # More postings for "bike" than one bulk block holds, in three languages.
    languages = ("en", "de", "sv")
    return [
        document(
            i,
            f"Bike {'red' if i % 3 else 'blue'} number{i % 7}",
            f"Cykel Fahrrad bike {i % 11} word{i % 13}",
            language=languages[i % 3],
            labels=("fair-trade",) if i % 4 == 0 else (),
        )
        for i in range(1, whoosh_codec.BULK_BLOCK + 300)
    ]


def test_a_rebuild_and_commits_of_the_same_documents_answer_alike(tmp_path, documents):
    bulk, plain = WhooshBackend(tmp_path / "bulk"), WhooshBackend(tmp_path / "plain")
    try:
        bulk.rebuild(documents)
        plain.index(documents)
        texts = ("bike", "red bike", "cykel", "number3", "word1*", "fahrräder", "")
        phrases = ('"bike red"', '"red bike"', '"cykel fahrrad bike"', '"bike blue" -number2')
        for text in (*texts, *phrases):
            query = SearchQuery(text=text, labels=("fair-trade",) if "red" in text else ())
            a, b = bulk.query(query), plain.query(query)
            assert (a.total, a.hits, a.facets) == (b.total, b.hits, b.facets)
            assert a.total > 0 or text == '"red bike"'
        assert bulk.fingerprints() == plain.fingerprints()
    finally:
        bulk.close()
        plain.close()


def test_whoosh_itself_reads_a_bulk_written_segment(tmp_path, documents):
    backend = WhooshBackend(tmp_path / "bulk")
    backend.rebuild(documents)
    every = list(range(len(documents)))
    assert backend.snapshot().postings("x", "bike").tolist() == every
    backend.close()
    folder = tmp_path / "bulk" / (tmp_path / "bulk" / POINTER).read_text()
    with FileStorage(str(folder)).open_index().reader() as reader:
        ids = list(reader.postings("x", "bike").all_ids())
        assert ids == every
        assert list(reader.postings("key", "5").all_ids()) == [4]
        assert reader.doc_frequency("tw", "blue") == len(documents[2::3])
