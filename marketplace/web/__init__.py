"""Server-rendered pages, one blueprint per feature."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

from . import errors
from .admin import bp as admin_bp
from .audit import bp as audit_bp
from .auth import bp as auth_bp
from .cart import bp as cart_bp
from .checkout import bp as checkout_bp
from .claims import bp as claims_bp
from .csv_io import bp as csv_io_bp
from .dashboard import bp as dashboard_bp
from .governance import bp as governance_bp
from .images import bp as images_bp
from .orders import bp as orders_bp
from .review import bp as review_bp
from .search import bp as search_bp
from .shop import bp as shop_bp
from .stripe import bp as stripe_bp
from .tokens import bp as tokens_bp


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in every route stops at PostgreSQL's INTEGER, so a huge id is a 404."""

    def __init__(
        self,
        url_map: Map,
        fixed_digits: int = 0,
        min: int | None = None,  # noqa: A002
        max: int | None = None,
        signed: bool = False,
    ) -> None:  # noqa: A002
        super().__init__(
            url_map,
            fixed_digits,
            0 if min is None else min,
            2**31 - 1 if max is None else max,
            signed,
        )


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter
    app.register_blueprint(shop_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(csv_io_bp)
    app.register_blueprint(images_bp)
    app.register_blueprint(tokens_bp)
    app.register_blueprint(claims_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(governance_bp)
    app.register_blueprint(cart_bp)
    app.register_blueprint(checkout_bp)
    app.register_blueprint(orders_bp)
    app.register_blueprint(stripe_bp)
    errors.init_app(app)
    _template_helpers(app)


def _template_helpers(app: Flask) -> None:
    from ..authz import can
    from ..domain.listing_rules import TRANSITIONS
    from ..domain.permissions import Permission
    from ..services.audit import decode

    app.jinja_env.globals.update(
        has_endpoint=lambda name: name in app.view_functions,
        listing_transitions={(status, str(action)) for status, action in TRANSITIONS},
        can_manage_coop=lambda coop: can(Permission.MANAGE_COOP, coop),
        audit_values=decode,
    )
