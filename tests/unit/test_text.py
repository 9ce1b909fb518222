import pytest

from marketplace.domain.text import slugify


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Café Ölström", "cafe-olstrom"),
        ("Straße & Söhne eG", "strasse-sohne-eg"),
        ("  --Bike  Kitchen!! ", "bike-kitchen"),
        ("Åre Kaffe", "are-kaffe"),
        ("", ""),
    ],
)
def test_slugs_are_lower_case_ascii_words(text, slug):
    assert slugify(text) == slug


def test_slugs_are_cut_at_a_word_boundary_dash():
    assert not slugify("a" * 79 + " b", max_length=80).endswith("-")
