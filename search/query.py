"""What a buyer typed, read forgivingly: every engine sees the same words and phrases.

No input is an error here. Control characters are dropped, an unbalanced quote is
read as an ordinary character, operators standing alone (AND, OR, NOT, +, -, *, ~)
are ignored, and very long input is cut; what was changed is reported as a notice
so the page can say so.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: longest query read; the rest is ignored (with a notice)
MAX_QUERY_CHARS = 200
#: most words (terms and phrase words together) a query may use
MAX_WORDS = 12
#: longest word kept (longer ones are cut): no real word is longer
MAX_WORD_CHARS = 64
#: shortest prefix a trailing * expands (shorter ones would match nearly everything)
MIN_PREFIX = 2

_WORD = re.compile(r"\w+", re.UNICODE)
#: Lucene-style boosts and fuzziness ("coffee^3", "bike~2"): the word is meant, not the number
_SUFFIX = re.compile(r"[\^~]\d*(?:\.\d+)?$")
_OPERATORS = {"and", "or", "not"}


@dataclass(frozen=True)
class ParsedQuery:
    #: words every result must contain (in any field), case-folded
    terms: tuple[str, ...] = ()
    #: quoted phrases: their words must appear next to each other in this order
    phrases: tuple[tuple[str, ...], ...] = ()
    #: words written as -word: results must not contain them
    excluded: tuple[str, ...] = ()
    #: words written as word*: results contain a word starting with it
    prefixes: tuple[str, ...] = ()
    #: what was changed on the way: "shortened", "too_many_words", "ignored_operators"
    notices: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.terms or self.phrases or self.prefixes)

    def words(self) -> tuple[str, ...]:
        """Every positive word: terms, phrase words and prefixes, in order, once each."""
        seen: dict[str, None] = {}
        for word in (*self.terms, *(w for p in self.phrases for w in p), *self.prefixes):
            seen.setdefault(word, None)
        return tuple(seen)


def clean(text: str) -> str:
    """Normalise (NFKC), drop control and format characters, collapse white space."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(
        " "
        if ch.isspace()
        else ""
        if unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"}
        else ch
        for ch in text
    )
    return " ".join(text.split())


def parse(raw: str) -> ParsedQuery:
    """Read a typed query into terms, phrases, exclusions and prefixes."""
    notices: list[str] = []
    text = clean(raw or "")
    if len(text) > MAX_QUERY_CHARS:
        cut = text[:MAX_QUERY_CHARS]
        text = cut.rsplit(" ", 1)[0] if " " in cut else cut
        notices.append("shortened")
    segments = text.split('"')
    if len(segments) % 2 == 0:
        # An odd number of quotes: the last one opens nothing; read it as plain text.
        segments = [*segments[:-2], segments[-2] + " " + segments[-1]]
    terms: list[str] = []
    phrases: list[tuple[str, ...]] = []
    excluded: list[str] = []
    prefixes: list[str] = []
    budget = MAX_WORDS
    ignored = False
    for index, segment in enumerate(segments):
        if index % 2 == 1:
            words = tuple(w.casefold()[:MAX_WORD_CHARS] for w in _WORD.findall(segment))[:budget]
            budget -= len(words)
            if segments[index - 1].endswith("-"):
                # -"fair trade": an excluded phrase. Excluding its words one by one would
                # exclude far more than meant, so one word is excluded, a phrase ignored.
                if len(words) == 1:
                    excluded.append(words[0])
                elif words:
                    ignored = True
                continue
            if len(words) > 1:
                phrases.append(words)
            elif words:
                terms.append(words[0])
            continue
        for token in segment.split(" "):
            word = _token(token)
            if word is None:
                ignored = ignored or bool(token)
                continue
            kind, value = word
            if budget <= 0:
                break
            # "a-b-c" is three words: each counts against the budget
            split = value.split(" ")[:budget]
            budget -= len(split)
            if kind == "term":
                terms.extend(split)
            elif kind == "exclude":
                excluded.extend(split)
            else:
                prefixes.append(value)
    if budget <= 0 and len(_WORD.findall(text)) > MAX_WORDS:
        notices.append("too_many_words")
    if ignored:
        notices.append("ignored_operators")
    return ParsedQuery(
        terms=tuple(dict.fromkeys(terms)),
        phrases=tuple(dict.fromkeys(phrases)),
        excluded=tuple(dict.fromkeys(excluded)),
        prefixes=tuple(dict.fromkeys(prefixes)),
        notices=tuple(notices),
    )


def _token(token: str) -> tuple[str, str] | None:
    """One space-separated token: ("term"|"exclude"|"prefix", word) or None to ignore."""
    if not token:
        return None
    if token.lower() in _OPERATORS:
        return None
    token = _SUFFIX.sub("", token)
    negative = token.startswith("-") and len(token) > 1
    prefix = token.endswith("*")
    words = [w.casefold()[:MAX_WORD_CHARS] for w in _WORD.findall(token)]
    if not words:
        return None
    if negative:
        # "-t-shirt": exclude "shirt", not the lone letter the index never holds
        meaningful = [w for w in words if len(w) > 1] or words
        return ("exclude", " ".join(meaningful))
    if prefix and len(words) == 1 and len(words[0]) >= MIN_PREFIX:
        return ("prefix", words[0])
    # "e-bike", "t-shirt": the index splits these into words, so does the query; the
    # caller adds each of them as a term.
    return ("term", " ".join(words))
