"""A co-op's people: members, roles, invitation links."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...authz import can
from ...domain.permissions import Permission
from ...models import Coop, MemberRole
from ...services import members
from ..helpers import coop_or_404
from . import bp
from .forms import CsrfForm, InviteForm, MemberForm, RoleForm


def _page(coop: Coop, new_link: str | None = None) -> str:
    is_admin = can(Permission.MANAGE_COOP, coop)
    return render_template(
        "dashboard/members.html",
        coop=coop,
        members=members.members_of(coop),
        invites=members.open_invites(coop) if is_admin else [],
        is_admin=is_admin,
        invite_form=InviteForm(),
        new_link=new_link,
    )


@bp.get("/dashboard/<slug>/members")
def members_page(slug: str) -> str:
    return _page(coop_or_404(slug, Permission.VIEW_COOP_DASHBOARD))


@bp.post("/dashboard/<slug>/members/invite")
def invite(slug: str) -> object:
    coop = coop_or_404(slug, Permission.MANAGE_COOP)
    form = InviteForm()
    if not form.validate_on_submit():
        flash(_("Please check the e-mail address."), "error")
        return redirect(url_for("dashboard.members_page", slug=slug))
    _record, token = members.invite(coop, MemberRole(form.role.data), form.email.data, current_user)
    link = url_for("dashboard.accept_invite", token=token, _external=True)
    # The link is shown once, on this page, never stored in a cookie or a redirect.
    return _page(coop, new_link=link)


@bp.post("/dashboard/<slug>/members/role")
def set_role(slug: str) -> object:
    coop = coop_or_404(slug, Permission.MANAGE_COOP)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        members.set_role(coop, form.user_id.data, MemberRole(form.role.data), current_user)
    except members.LastAdmin:
        flash(_("A co-op needs at least one admin: make someone else admin first."), "error")
    except members.NotAMember:
        abort(404)
    else:
        flash(_("Role changed."), "success")
    return redirect(url_for("dashboard.members_page", slug=slug))


@bp.post("/dashboard/<slug>/members/remove")
def remove_member(slug: str) -> object:
    coop = coop_or_404(slug, Permission.VIEW_COOP_DASHBOARD)
    form = MemberForm()
    if not form.validate_on_submit():
        abort(400)
    leaving = form.user_id.data == current_user.id
    if not leaving and not can(Permission.MANAGE_COOP, coop):
        abort(403)
    try:
        members.remove_member(coop, form.user_id.data, current_user)
    except members.LastAdmin:
        flash(_("You are the last admin: make someone else admin before you leave."), "error")
        return redirect(url_for("dashboard.members_page", slug=slug))
    except members.NotAMember:
        abort(404)
    if leaving:
        flash(_("You have left %(name)s.", name=coop.name), "info")
        return redirect(url_for("shop.home"))
    flash(_("Member removed."), "success")
    return redirect(url_for("dashboard.members_page", slug=slug))


@bp.post("/dashboard/<slug>/invites/<int:invite_id>/revoke")
def revoke_invite(slug: str, invite_id: int) -> object:
    coop = coop_or_404(slug, Permission.MANAGE_COOP)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        members.revoke_invite(coop, invite_id, current_user)
    except members.InviteInvalid:
        abort(404)
    flash(_("The link no longer works."), "success")
    return redirect(url_for("dashboard.members_page", slug=slug))


@bp.route("/invites/<token>", methods=["GET", "POST"])
@login_required
def accept_invite(token: str) -> object:
    try:
        record = members.find_invite(token)
    except members.InviteInvalid:
        return render_template("dashboard/invite_invalid.html"), 404
    form = MemberForm(data={"user_id": current_user.id})
    if form.validate_on_submit():
        try:
            members.accept_invite(token, current_user)
        except members.AlreadyMember:
            flash(_("You are already a member of %(name)s.", name=record.coop.name), "info")
        except members.InviteInvalid:
            return render_template("dashboard/invite_invalid.html"), 404
        else:
            flash(_("Welcome to %(name)s!", name=record.coop.name), "success")
        return redirect(url_for("dashboard.coop", slug=record.coop.slug))
    return render_template("dashboard/invite.html", invite=record, form=form)
