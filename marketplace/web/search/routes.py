"""The search page and the search box's autocomplete."""

from __future__ import annotations

from flask import Response, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext

from ...services import search
from . import bp
from .links import SearchLinks


@bp.get("/search")
def index() -> object:
    try:
        query = search.read(request.args, typed_prices=True)
    except search.BadSearch as bad:
        problems = [gettext(error.template, **error.params) for error in bad.errors]
        return render_template("search/problem.html", problems=problems), 400
    if search.has_typed_prices(request.args):
        # The price form sends what buyers type ("12.50"); the shared address says 1250.
        return redirect(url_for("search.index", **search.to_params(query, page=None)))
    try:
        page = search.run(query)
    except search.SearchError:
        return render_template("search/problem.html", unavailable=True), 503
    browse = search.browse_choices() if not page.total else {}
    links = SearchLinks(query)
    return render_template("search/search.html", page=page, query=query, links=links, **browse)


@bp.get("/search/suggest")
def suggest() -> Response:
    typed = request.args.get("q", "")
    found = search.suggest(typed)
    response = jsonify(
        query=typed,
        suggestions=[
            {"text": s.text, "kind": s.kind, "url": url_for("search.index", q=s.text)}
            for s in found
        ],
    )
    response.cache_control.public = True
    response.cache_control.max_age = 60
    return response
