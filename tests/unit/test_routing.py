"""URL rules that compile their builders on first use build the same URLs as werkzeug's own."""

from __future__ import annotations

import pytest
from werkzeug.routing import Map, Rule

from marketplace.routing import LazyBuilderRule

RULES = [
    ("/", {}),
    ("/listings/<int:listing_id>", {}),
    ("/dashboard/<slug>/orders/<int:coop_order_id>", {}),
    ("/coops/<slug>", {"slug": "all"}),
    ("/files/<path:name>", {}),
]
VALUES = [
    ("/", {}),
    ("/listings/<int:listing_id>", {"listing_id": 7, "page": "2"}),
    ("/dashboard/<slug>/orders/<int:coop_order_id>", {"slug": "bäckerei", "coop_order_id": 3}),
    ("/coops/<slug>", {}),
    ("/files/<path:name>", {"name": "a/b c.pdf"}),
]


def _adapter(rule_class: type[Rule]):
    urls = Map(
        [rule_class(path, endpoint=path, defaults=defaults or None) for path, defaults in RULES]
    )
    return urls.bind("example.org")


@pytest.mark.parametrize(("endpoint", "values"), VALUES)
@pytest.mark.parametrize("append_unknown", [True, False])
def test_lazy_rules_build_exactly_what_werkzeug_builds(endpoint, values, append_unknown):
    eager, lazy = _adapter(Rule), _adapter(LazyBuilderRule)
    assert lazy.build(endpoint, values, append_unknown=append_unknown) == eager.build(
        endpoint, values, append_unknown=append_unknown
    )
    # built twice: the compiled builder is reused
    assert lazy.build(endpoint, values) == eager.build(endpoint, values)


def test_lazy_rules_still_match_requests():
    lazy = _adapter(LazyBuilderRule)
    assert lazy.match("/listings/12") == ("/listings/<int:listing_id>", {"listing_id": 12})
