from flask import Blueprint

bp = Blueprint("stripe", __name__)

from . import routes  # noqa: E402,F401
