"""Messages the domain produces for people, translated by the layer that shows them."""

from __future__ import annotations

from dataclasses import dataclass, field


def N_(template: str) -> str:
    """Mark a message for translation without translating it here (no Flask in domain/)."""
    return template


@dataclass(frozen=True)
class FieldError:
    """What is wrong with one field: a message template and its values."""

    field: str
    template: str
    params: dict[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The message in English."""
        return self.template % self.params if self.params else self.template
