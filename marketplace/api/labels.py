"""Labels through the API: every label with the criteria in force."""

from __future__ import annotations

from typing import Any

from ..services import label_catalog
from .base import labels_bp
from .schemas import LabelListSchema


@labels_bp.route("/labels")
@labels_bp.response(200, LabelListSchema)
def all_labels() -> dict[str, Any]:
    """List every label with its current criteria

    In the federation's order. Only claims approved against these criteria (and not yet
    expired) make a label show in a listing's `labels`.
    """
    return {"items": label_catalog.public_labels()}
