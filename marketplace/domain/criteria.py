"""Comparing two versions of a label's criteria, for the proposal page. Pure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CriterionText:
    key: str
    question: str
    guidance: str
    evidence_required: bool


@dataclass(frozen=True)
class CriterionChange:
    #: "added", "removed", "changed" or "unchanged"
    kind: str
    key: str
    old: CriterionText | None
    new: CriterionText | None
    #: names of the fields that differ, for "changed"
    fields: tuple[str, ...] = ()


def diff(old: list[CriterionText], new: list[CriterionText]) -> list[CriterionChange]:
    """Each criterion of either version, matched by key, in the new version's order."""
    before = {c.key: c for c in old}
    after_keys = {c.key for c in new}
    changes: list[CriterionChange] = []
    for criterion in new:
        previous = before.get(criterion.key)
        if previous is None:
            changes.append(CriterionChange("added", criterion.key, None, criterion))
            continue
        fields = tuple(
            name
            for name in ("question", "guidance", "evidence_required")
            if getattr(previous, name) != getattr(criterion, name)
        )
        kind = "changed" if fields else "unchanged"
        changes.append(CriterionChange(kind, criterion.key, previous, criterion, fields))
    changes.extend(
        CriterionChange("removed", c.key, c, None) for c in old if c.key not in after_keys
    )
    return changes
