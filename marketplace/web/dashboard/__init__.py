from flask import Blueprint

bp = Blueprint("dashboard", __name__, template_folder="templates")

from . import listings, members, orders, payouts, routes  # noqa: E402,F401
