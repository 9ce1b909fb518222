"""E-mails about orders, to the buyer and to each co-op, in each reader's language.

Every function here queues messages in the current transaction (`mail.queue`): they
are written with the order change they report and delivered after the commit, so a
failing mail server neither loses an order nor holds one up.
"""

from __future__ import annotations

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from .. import mail
from ..extensions import db
from ..i18n import money_of
from ..models import CoopOrder, Membership, Order, User


def _locale(user: User | None) -> str:
    return (user.locale if user is not None else None) or current_app.config.get(
        "BABEL_DEFAULT_LOCALE", "en"
    )


def _member_addresses(coop_id: int) -> list[tuple[str, str | None]]:
    """(e-mail, locale) of the people who fulfil the co-op's orders: all its members."""
    rows = db.session.execute(
        select(User.email, User.locale)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.coop_id == coop_id)
        .order_by(User.email)
    ).all()
    return [(row.email, row.locale) for row in rows]


def _link(endpoint: str, **values: object) -> str:
    if not has_request_context():
        return ""
    return "\n\n" + url_for(endpoint, _external=True, **values)


def _lines(coop_order: CoopOrder, currency: str) -> str:
    return "\n".join(
        f"  {line.quantity} × {line.title}: {money_of(line.total, currency)}"
        for line in coop_order.lines
    )


def order_placed(order: Order) -> None:
    """Tell the buyer what was ordered and how to pay; tell each co-op what to fulfil."""
    buyer = order.buyer or db.session.get(User, order.buyer_id)
    with force_locale(_locale(buyer)):
        parts = []
        for coop_order in order.coop_orders:
            parts.append(f"{coop_order.coop.name}:\n{_lines(coop_order, order.currency)}")
        if order.payment_method == "stripe":
            how = _(
                "Pay on the order page by card; each co-op prepares its part once the "
                "payment has gone through."
            )
        else:
            how = _(
                "Please transfer the total quoting the reference %(reference)s; each co-op "
                "prepares its part once the payment has arrived.",
                reference=order.reference,
            )
        body = _(
            "Thank you for your order %(reference)s.\n\n%(lines)s\n\nTotal: %(total)s\n\n%(how)s",
            reference=order.reference,
            lines="\n\n".join(parts),
            total=money_of(order.total_amount, order.currency),
            how=how,
        ) + _link("orders.show", reference=order.reference)
        mail.queue([buyer.email], _("Your order %(reference)s", reference=order.reference), body)
    for coop_order in order.coop_orders:
        for email, locale in _member_addresses(coop_order.coop_id):
            with force_locale(locale or _locale(None)):
                body = _(
                    "A new order %(reference)s for %(coop)s:\n\n%(lines)s\n\n"
                    "Shipping: %(shipping)s\nTotal: %(total)s",
                    reference=order.reference,
                    coop=coop_order.coop.name,
                    lines=_lines(coop_order, order.currency),
                    shipping=money_of(coop_order.shipping_amount, order.currency),
                    total=money_of(coop_order.total_amount, order.currency),
                ) + _link(
                    "dashboard.coop_order", slug=coop_order.coop.slug, coop_order_id=coop_order.id
                )
                mail.queue([email], _("New order %(reference)s", reference=order.reference), body)


def _status_text(coop_order: CoopOrder) -> str:
    status = coop_order.status.value
    if status == "accepted":
        return _("%(coop)s has accepted your order.", coop=coop_order.coop.name)
    if status == "shipped":
        text = _("%(coop)s has shipped your order.", coop=coop_order.coop.name)
        if coop_order.tracking_reference:
            text += " " + _("Tracking: %(ref)s", ref=coop_order.tracking_reference)
        return text
    if status == "delivered":
        return _(
            "%(coop)s has delivered your order. You can now rate it.", coop=coop_order.coop.name
        )
    if status == "cancelled":
        return _(
            "%(coop)s has cancelled its part of your order. Reason: %(reason)s",
            coop=coop_order.coop.name,
            reason=coop_order.cancel_reason or "",
        )
    return _(
        "No payment arrived in time, so %(coop)s's part of your order has expired.",
        coop=coop_order.coop.name,
    )


def coop_order_changed(coop_order: CoopOrder) -> None:
    """Tell the buyer the co-op order's new status; the co-op too on cancellation or expiry."""
    order = coop_order.order
    buyer = order.buyer or db.session.get(User, order.buyer_id)
    with force_locale(_locale(buyer)):
        subject = _(
            "Order %(reference)s: %(coop)s", reference=order.reference, coop=coop_order.coop.name
        )
        body = _status_text(coop_order) + "\n\n" + _lines(coop_order, order.currency)
        mail.queue([buyer.email], subject, body + _link("orders.show", reference=order.reference))
    if coop_order.status.value not in ("cancelled", "expired"):
        return
    for email, locale in _member_addresses(coop_order.coop_id):
        with force_locale(locale or _locale(None)):
            subject = _(
                "Order %(reference)s is %(status)s",
                reference=order.reference,
                status=_("cancelled") if coop_order.status.value == "cancelled" else _("expired"),
            )
            if coop_order.status.value == "cancelled":
                body = _("Reason: %(reason)s", reason=coop_order.cancel_reason or "")
            else:
                body = _("No payment arrived in time.")
            body += "\n\n" + _lines(coop_order, order.currency)
            body += "\n\n" + _("The reserved units are back in stock.")
            mail.queue([email], subject, body)
