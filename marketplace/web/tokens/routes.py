"""A co-op's API tokens: create (shown once) and revoke. Co-op admins only."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...authz import ensure
from ...domain.permissions import Permission
from ...models import Coop
from ...services import api_tokens, coops
from . import bp
from .forms import NewTokenForm, RevokeTokenForm


def _managed_coop(slug: str) -> Coop:
    try:
        coop = coops.coop_by_slug(slug)
    except coops.CoopNotFound:
        abort(404)
    ensure(Permission.MANAGE_COOP, coop)
    return coop


@bp.route("/dashboard/<slug>/tokens", methods=["GET", "POST"])
def index(slug: str) -> object:
    coop = _managed_coop(slug)
    form = NewTokenForm()
    plaintext = None
    if form.validate_on_submit():
        _token, plaintext = api_tokens.create_token(coop, form.name.data, by=current_user)
        form = NewTokenForm(formdata=None)
    page = render_template(
        "tokens/index.html",
        coop=coop,
        form=form,
        revoke_form=RevokeTokenForm(),
        tokens=api_tokens.tokens_of(coop),
        new_token=plaintext,
    )
    # The new token is on this page only: no caching, and never in a URL or the session.
    return page, 400 if form.errors else 200, {"Cache-Control": "no-store"}


@bp.post("/dashboard/<slug>/tokens/<int:token_id>/revoke")
def revoke(slug: str, token_id: int) -> object:
    coop = _managed_coop(slug)
    if RevokeTokenForm().validate_on_submit():
        try:
            token = api_tokens.revoke_token(coop, token_id, by=current_user)
        except api_tokens.TokenNotFound:
            abort(404)
        flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("tokens.index", slug=coop.slug))
