"""URL rules whose URL builders are compiled when first used, not when the app starts.

Werkzeug compiles two Python functions per URL rule as the rule is added (one to build
its URLs, one that also appends unknown arguments): with about 130 rules that is most of
the time `create_app` takes, paid again by every test's app and every worker start,
although most rules are never built from in a process's life. Matching requests is not
affected: only the builders wait until `url_for` first needs them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from werkzeug.routing import Rule


class LazyBuilderRule(Rule):
    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        compiled: list[Callable[..., tuple[str, str]]] = []
        lock = threading.Lock()
        compile_now = super()._compile_builder

        def build(rule: Rule, **values: Any) -> tuple[str, str]:
            if not compiled:
                with lock:
                    if not compiled:
                        compiled.append(compile_now(append_unknown).__get__(rule, None))
            return compiled[0](**values)

        return build
