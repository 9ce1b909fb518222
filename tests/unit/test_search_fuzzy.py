"""The typo rule both search engines share."""

import pytest

from search.fuzzy import allowed_distance, closest, distance, typo_distance


@pytest.mark.parametrize(
    ("word", "edits"),
    [("", 0), ("pen", 0), ("bike", 1), ("cofea", 1), ("coffee", 2), ("bycicle", 2), ("fahrrad", 2)],
)
def test_longer_words_may_have_more_typos(word, edits):
    assert allowed_distance(word) == edits


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("bike", "bike", 0),
        ("bike", "bake", 1),
        ("bicylce", "bicycle", 1),  # neighbours swapped: one edit
        ("bycicle", "bicycle", 2),
        ("cofee", "coffee", 1),
        ("fahrad", "fahrrad", 1),
        ("kaffe", "coffee", 3),  # capped at limit + 1
    ],
)
def test_distance_counts_edits_up_to_the_limit(a, b, expected):
    assert distance(a, b, 2) == expected


def test_only_the_closest_candidates_are_kept_in_order():
    candidates = [("cartoon", 1, 5), ("carton", 2, 9), ("cartons", 1, 2)]
    assert closest(candidates) == [("cartoon", 1, 5), ("cartons", 1, 2)]
    assert closest([]) == []


@pytest.mark.parametrize(
    ("word", "term", "expected"),
    [
        ("bycicle", "bicycles", 2),  # the plural's "s" is free
        ("fahrad", "fahrrades", 1),
        ("bicyce", "bicycles", 1),
        ("cofee", "coffees", 2),  # under six letters nothing is free
        ("ipone", "pioneer", 3),
        ("bike", "bikes", 1),
    ],
)
def test_a_long_words_typo_ignores_up_to_two_letters_of_inflection(word, term, expected):
    assert typo_distance(word, term, 2) == expected


def test_the_numpy_distances_agree_with_the_typo_distance():
    from search.whoosh_fuzzy import Vocabulary

    terms = ["bicycles", "bicycle", "tricycles", "coffees", "bikeshed", "fahrrades"]
    vocabulary = Vocabulary(terms)
    for word in ["bycicle", "cofee", "bike", "fahrad", "bicycel"]:
        near = dict(vocabulary.near(word, 2))
        for term in terms:
            expected = typo_distance(word, term, 2)
            if expected <= 2 and term != word:
                assert near.get(term) == expected, (word, term)
