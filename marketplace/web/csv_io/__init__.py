"""CSV import and export of a co-op's listings, in the co-op dashboard."""

from flask import Blueprint

bp = Blueprint("csv_io", __name__, template_folder="templates")

from . import routes  # noqa: E402,F401
