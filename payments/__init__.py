"""Payments: the PaymentGateway interface, bank transfer, Stripe Connect, ledger (issue 7)."""
