"""Accounts: register, log in, log out, change password, personal API tokens."""

from __future__ import annotations

import secrets

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ...extensions import limiter
from ...services import accounts, personal_tokens
from ..helpers import safe_next
from . import bp
from .forms import (
    ChangePasswordForm,
    LoginForm,
    LogoutForm,
    NewPersonalTokenForm,
    RegisterForm,
    RevokePersonalTokenForm,
)


def _start_session(user: accounts.User) -> None:
    """Log in with a fresh session: nothing from before the login carries over."""
    language = session.get("lang")
    session.clear()
    session["sid"] = secrets.token_urlsafe(16)
    if language:
        session["lang"] = language
    login_user(user)


@bp.route("/register", methods=["GET", "POST"])
def register() -> object:
    form = RegisterForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = accounts.register(form.email.data, form.name.data, form.password.data)
        except accounts.EmailTaken:
            form.email.errors.append(_("An account with this e-mail address already exists."))
        except accounts.WeakPassword as weak:
            form.password.errors.append(_weak_password_message(weak))
        else:
            _start_session(user)
            flash(_("Welcome, %(name)s! Your account is ready.", name=user.name), "success")
            return redirect(safe_next(form.next.data) or url_for("shop.home"))
    return render_template("auth/register.html", form=form), 400 if form.errors else 200


def _weak_password_message(error: accounts.WeakPassword) -> str:
    if error.args and error.args[0] == "email":
        return _("Your password must not contain your e-mail address.")
    return _("Use at least %(n)d characters.", n=accounts.MIN_PASSWORD_LENGTH)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> object:
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data)
        except accounts.InvalidCredentials:
            form.password.errors.append(_("E-mail address or password is wrong."))
        else:
            _start_session(user)
            flash(_("You are logged in."), "success")
            return redirect(safe_next(form.next.data) or url_for("shop.home"))
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
def logout() -> object:
    if LogoutForm().validate_on_submit():
        if current_user.is_authenticated:
            accounts.end_sessions(current_user)
        logout_user()
        session.clear()
        flash(_("You are logged out."), "info")
    return redirect(url_for("shop.home"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"])
def account() -> object:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current.data, form.password.data)
        except accounts.InvalidCredentials:
            form.current.errors.append(_("That is not your current password."))
        except accounts.WeakPassword as weak:
            form.password.errors.append(_weak_password_message(weak))
        else:
            _start_session(current_user._get_current_object())
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.account"))
    return _account_page(password_form=form)


@bp.post("/account/tokens")
@login_required
def create_token() -> object:
    form = NewPersonalTokenForm()
    plaintext = None
    if form.validate_on_submit():
        user = current_user._get_current_object()
        _token, plaintext = personal_tokens.create_token(user, form.name.data)
        form = NewPersonalTokenForm(formdata=None)
    return _account_page(token_form=form, new_token=plaintext)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> object:
    if RevokePersonalTokenForm().validate_on_submit():
        try:
            token = personal_tokens.revoke_token(current_user, token_id)
        except personal_tokens.TokenNotFound:
            abort(404)
        flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("auth.account", _anchor="tokens"))


def _account_page(
    password_form: ChangePasswordForm | None = None,
    token_form: NewPersonalTokenForm | None = None,
    new_token: str | None = None,
) -> object:
    """The account page; a new token is on this response only, so nothing may cache it."""
    if password_form is None:
        password_form = ChangePasswordForm(formdata=None)
    if token_form is None:
        token_form = NewPersonalTokenForm(formdata=None)
    page = render_template(
        "auth/account.html",
        form=password_form,
        token_form=token_form,
        revoke_form=RevokePersonalTokenForm(),
        tokens=personal_tokens.tokens_of(current_user),
        new_token=new_token,
    )
    status = 400 if password_form.errors or token_form.errors else 200
    return page, status, {"Cache-Control": "no-store"}
