"""The query parser: what a buyer typed, read forgivingly into words, phrases and exclusions."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.query import MAX_QUERY_CHARS, MAX_WORD_CHARS, MAX_WORDS, ParsedQuery, clean, parse


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("fair trade coffee", ParsedQuery(terms=("fair", "trade", "coffee"))),
        ("  Fair   TRADE\tcoffee\n", ParsedQuery(terms=("fair", "trade", "coffee"))),
        ('"fair trade" coffee', ParsedQuery(terms=("coffee",), phrases=(("fair", "trade"),))),
        ('"coffee"', ParsedQuery(terms=("coffee",))),
        ("coffee -milk", ParsedQuery(terms=("coffee",), excluded=("milk",))),
        ("--milk", ParsedQuery(excluded=("milk",))),
        ("sour*", ParsedQuery(prefixes=("sour",))),
        ("sour* bread", ParsedQuery(terms=("bread",), prefixes=("sour",))),
        ("coffee coffee COFFEE", ParsedQuery(terms=("coffee",))),
        ("-a -a", ParsedQuery(excluded=("a",))),
        ('"a b" "a b"', ParsedQuery(phrases=(("a", "b"),))),
        ("e-bike", ParsedQuery(terms=("e", "bike"))),
        ("t-shirt", ParsedQuery(terms=("t", "shirt"))),
        ("ÄPFEL Straße", ParsedQuery(terms=("äpfel", "strasse"))),
        ("Surdegsbröd från Malmö", ParsedQuery(terms=("surdegsbröd", "från", "malmö"))),
        ("ｃｏｆｆｅｅ", ParsedQuery(terms=("coffee",))),
        ('"" coffee', ParsedQuery(terms=("coffee",))),
        ("title:foo", ParsedQuery(terms=("title", "foo"))),
        ("foo^3", ParsedQuery(terms=("foo",))),
        ("bike~2", ParsedQuery(terms=("bike",))),
        ("[a TO b]", ParsedQuery(terms=("a", "to", "b"))),
    ],
)
def test_words_phrases_exclusions_and_prefixes_are_read(raw, expected):
    assert parse(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", " ", "*", "**", "-", "+", "~", "AND", "OR", "NOT", "and or not", "(((", "- + ~ *", '"'],
)
def test_operators_and_punctuation_alone_leave_an_empty_query(raw):
    parsed = parse(raw)
    assert parsed.is_empty
    assert parsed.words() == () and parsed.excluded == ()


@pytest.mark.parametrize(
    ("raw", "terms"),
    [
        ("coffee AND tea", ("coffee", "tea")),
        ("coffee OR tea", ("coffee", "tea")),
        ("NOT coffee", ("coffee",)),
        ("coffee -", ("coffee",)),
        ("coffee ~ +", ("coffee",)),
        ("coffee *", ("coffee",)),
    ],
)
def test_lone_operators_are_ignored_with_a_notice(raw, terms):
    parsed = parse(raw)
    assert parsed.terms == terms
    assert "ignored_operators" in parsed.notices


def test_operators_inside_words_are_read_as_word_breaks():
    assert parse("+coffee").terms == ("coffee",)
    assert parse("coffee~2").terms == ("coffee",)
    assert parse("(coffee)").terms == ("coffee",)


def test_an_unbalanced_quote_is_read_as_plain_text():
    assert parse('"fair trade') == ParsedQuery(terms=("fair", "trade"))
    assert parse('coffee "fair trade') == ParsedQuery(terms=("coffee", "fair", "trade"))
    assert parse('"organic" "fair trade') == ParsedQuery(terms=("organic", "fair", "trade"))


def test_a_phrase_of_one_word_is_a_plain_word():
    assert parse('"coffee" beans') == ParsedQuery(terms=("coffee", "beans"))


def test_a_prefix_shorter_than_two_letters_is_a_plain_word():
    assert parse("a*") == ParsedQuery(terms=("a",))


def test_control_characters_and_nul_bytes_are_dropped():
    assert parse("cof\x00fee\x01 \x1b[31mbeans\x7f").terms == ("coffee", "31mbeans")
    assert parse("\x00\x01\x02") == ParsedQuery()


def test_invisible_format_characters_are_dropped():
    assert parse("cof\u200bfee\u00ad \ufeffbeans\u202e").terms == ("coffee", "beans")


def test_a_lone_surrogate_does_not_break_the_parser():
    assert parse("coffee \ud800").terms == ("coffee",)


def test_a_long_query_is_cut_at_a_word_boundary_with_a_notice():
    parsed = parse("coffee " * 100)
    assert parsed.terms == ("coffee",)
    assert "shortened" in parsed.notices
    long = parse("beans " + "x" * 5000)
    assert long.terms == ("beans",) and "shortened" in long.notices


def test_a_single_overlong_word_is_cut():
    parsed = parse("x" * 5000)
    assert parsed.terms == ("x" * MAX_WORD_CHARS,)
    assert "shortened" in parsed.notices


def test_at_most_twelve_words_are_read_with_a_notice():
    parsed = parse(" ".join(f"w{i}" for i in range(30)))
    assert parsed.terms == tuple(f"w{i}" for i in range(MAX_WORDS))
    assert "too_many_words" in parsed.notices
    phrase = parse('"' + "w " * 20 + '"')
    assert sum(len(p) for p in phrase.phrases) <= MAX_WORDS


def test_words_joined_by_punctuation_count_towards_the_limit():
    parsed = parse("a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p")
    assert parsed.terms == tuple("abcdefghijkl")
    assert "too_many_words" in parsed.notices
    assert len(parse("-" + "-".join("abcdefghijklmnop")).excluded) <= MAX_WORDS


def test_twelve_words_are_read_without_a_notice():
    parsed = parse(" ".join(f"w{i}" for i in range(MAX_WORDS)))
    assert len(parsed.terms) == MAX_WORDS and parsed.notices == ()


def test_words_lists_every_positive_word_once_in_order():
    parsed = parse('coffee "fair trade coffee" beans* -milk')
    assert parsed.words() == ("coffee", "fair", "trade", "beans")


def test_a_query_of_excluded_words_only_is_empty():
    parsed = parse("-milk -sugar")
    assert parsed.is_empty and parsed.excluded == ("milk", "sugar")


def test_an_excluded_phrase_is_not_turned_into_a_required_one():
    parsed = parse('coffee -"fair trade"')
    assert ("fair", "trade") not in parsed.phrases
    assert parsed.terms == ("coffee",)
    assert parse('coffee -"decaf"').excluded == ("decaf",)


def test_an_excluded_hyphenated_word_excludes_the_whole_word():
    assert parse("-t-shirt").excluded == ("shirt",)


def test_clean_normalises_and_collapses_white_space():
    assert clean("  ｃａｆé \t\n latte\x00 ") == "café latte"
    assert clean("\u200b") == ""


_WORD = re.compile(r"\w+")


@given(st.text(max_size=400))
def test_any_input_parses_into_at_most_twelve_clean_words(raw):
    parsed = parse(raw)
    words = (*parsed.words(), *parsed.excluded)
    assert len(parsed.words()) <= MAX_WORDS
    for word in words:
        assert _WORD.fullmatch(word), word
        assert len(word) <= MAX_WORD_CHARS
        assert word == word.casefold()
    assert all(len(p) >= 2 for p in parsed.phrases)
    assert set(parsed.notices) <= {"shortened", "too_many_words", "ignored_operators"}


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_cleaned_text_has_no_control_characters_and_fits_the_limit(raw):
    text = clean(raw)
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in text)
    assert text == text.strip()
    assert len(parse(raw).words()) <= MAX_WORDS
    assert len(" ".join(parse(raw).words())) <= MAX_QUERY_CHARS
