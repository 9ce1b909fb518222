"""Error pages: 400, 403, 404, 429 and 500 in the site's own layout."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..api.errors import api_error_response, is_api_request
from ..extensions import db

log = logging.getLogger(__name__)


def _page(code: int, title: str, message: str) -> tuple[str, int]:
    return render_template("error.html", code=code, title=title, message=message), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return _page(
            400,
            _("This form has expired"),
            _("Please go back, reload the page and try again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> object:
        if is_api_request():
            return api_error_response(error)
        code = error.code or 500
        if code == 403:
            return _page(403, _("Not allowed"), _("You do not have access to this page."))
        if code == 404:
            return _page(
                404,
                _("Page not found"),
                _("We could not find that page. It may have been moved or taken down."),
            )
        if code == 429:
            return _page(
                429, _("Too many attempts"), _("Please wait a minute before you try again.")
            )
        if code == 413:
            from flask import current_app

            limit = current_app.config["MAX_CONTENT_LENGTH"] // 2**20
            return _page(
                413,
                _("That upload is too large"),
                _(
                    "Everything sent at once may be at most %(mb)s MB. Please go back and send"
                    " fewer or smaller files at a time.",
                    mb=limit,
                ),
            )
        if code >= 500:
            return _page(code, _("Something went wrong"), _("Please try again in a moment."))
        return _page(code, error.name, error.description or "")

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> object:
        log.exception("unhandled error")
        db.session.rollback()
        if is_api_request():
            return api_error_response(InternalServerError())
        return _page(
            500,
            _("Something went wrong"),
            _("We have been told about it. Please try again in a moment."),
        )
