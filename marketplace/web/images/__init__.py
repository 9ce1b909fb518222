"""A listing's pictures in the co-op dashboard, and the media files themselves."""

from flask import Blueprint

bp = Blueprint("images", __name__, template_folder="templates")

from . import routes  # noqa: E402,F401
