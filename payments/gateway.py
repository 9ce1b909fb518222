"""How a buyer pays: one `PaymentGateway` interface, one implementation per method.

Checkout asks the gateway how long an unpaid order may hold its stock and what to
tell the buyer. Bank transfer is the embedded default (no network). Stripe Connect
joins here as a second gateway (issue 7) without checkout changing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

DEFAULT_METHOD = "bank_transfer"


@dataclass(frozen=True)
class PaymentInstructions:
    """What the buyer needs to pay an order: shown on the order page and in the e-mail."""

    method: str
    #: e.g. {"account_holder": ..., "iban": ..., "bic": ..., "reference": ...}
    details: dict[str, str]


class PaymentGateway(Protocol):
    #: the stable name stored on orders and sent by API clients
    name: str

    def hold(self) -> timedelta:
        """How long an unpaid order keeps its reserved stock."""
        ...

    def instructions(self, reference: str, amount: int, currency: str) -> PaymentInstructions:
        """What to tell the buyer so the payment can be matched to the order."""
        ...


class BankTransfer:
    """The buyer transfers the total to the federation's account quoting the order reference;
    the federation marks it received (or imports the bank statement) and pays the co-ops out."""

    name = DEFAULT_METHOD

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._hold = timedelta(hours=int(config.get("BANK_TRANSFER_HOLD_HOURS", 7 * 24)))
        self._holder = str(config.get("FEDERATION_BANK_HOLDER", ""))
        self._iban = str(config.get("FEDERATION_IBAN", ""))
        self._bic = str(config.get("FEDERATION_BIC", ""))

    def hold(self) -> timedelta:
        return self._hold

    def instructions(self, reference: str, amount: int, currency: str) -> PaymentInstructions:
        return PaymentInstructions(
            self.name,
            {
                "account_holder": self._holder,
                "iban": self._iban,
                "bic": self._bic,
                "reference": reference,
            },
        )


def gateways(config: Mapping[str, Any]) -> dict[str, PaymentGateway]:
    """The payment methods this marketplace offers, by name: bank transfer always (the
    default, first), Stripe when its secret key is set."""
    from .stripe_gateway import StripeConnect, enabled

    offered: dict[str, PaymentGateway] = {DEFAULT_METHOD: BankTransfer(config)}
    if enabled(config):
        offered[StripeConnect.name] = StripeConnect(config)
    return offered
