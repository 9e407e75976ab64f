"""The payment port: what booking needs of a payment provider, and nothing of any one provider.

Boxoffice charges in three steps, so that an unknown outcome never becomes a second charge: `create` an intent to
pay (nothing is charged), record its id on the booking, then `confirm` it. A retry finds the recorded intent and
`look_up`s it. Another provider (a Korean PG, say) is another adapter of this port, not a change to the domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class ChargeStatus(StrEnum):
    CREATED = "CREATED"  # created, not confirmed: nothing charged yet
    PROCESSING = "PROCESSING"  # the provider has not decided yet
    SUCCEEDED = "SUCCEEDED"  # paid
    DECLINED = "DECLINED"  # refused by the card's issuer or the provider
    ACTION_REQUIRED = "ACTION_REQUIRED"  # the customer must authenticate (3-D Secure)
    CANCELLED = "CANCELLED"  # given up: nothing charged


@dataclass(frozen=True)
class Charge:
    payment_id: str
    status: ChargeStatus
    amount: int
    reason: str | None = None  # why it was declined, as the provider says it


class ProviderUnavailable(Exception):
    """The provider could not be reached, answered too slowly or failed. `maybe_done` says whether the request may
    have been carried out anyway (a timeout after sending): the outcome must then be looked up, never assumed."""

    def __init__(self, message: str, *, maybe_done: bool):
        super().__init__(message)
        self.maybe_done = maybe_done


class RefundRefused(Exception):
    """The provider refused the refund (not an outage): it needs a person; the booking shows the refund FAILED."""


class PaymentProvider(Protocol):
    def create(self, *, booking_id: str, amount: int, currency: str, payment_method: str) -> Charge:
        """An intent to charge `amount` with `payment_method`, not confirmed; the same booking gets the same intent
        where the provider honours idempotency keys."""
        ...

    def confirm(self, payment_id: str) -> Charge: ...

    def look_up(self, payment_id: str) -> Charge: ...

    def cancel(self, payment_id: str) -> Charge:
        """Give up an intent that was not paid (a no-op answer if it was already cancelled)."""
        ...

    def refunded(self, payment_id: str) -> int:
        """How much of the payment has been refunded so far."""
        ...

    def refund(self, *, booking_id: str, payment_id: str, amount: int) -> None:
        """Give back `amount` of the payment; RefundRefused if the provider will not."""
        ...
