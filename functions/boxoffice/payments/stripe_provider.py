"""The payment port over Stripe's PaymentIntents, with Stripe's official library.

The secret key comes from Secrets Manager (read once per warm instance); the API's base address from the
template (Stripe's on AWS, localstripe on the local stack). `stripe` is imported when the first paid booking needs
it, so free bookings and every other function never pay for loading it.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

from boxoffice.payments.port import Charge, ChargeStatus, ProviderUnavailable, RefundRefused

if TYPE_CHECKING:
    import stripe

PAYMENT_API_BASE = "PAYMENT_API_BASE"
PAYMENT_SECRET_ARN = "PAYMENT_SECRET_ARN"
PAYMENT_TIMEOUT_SECONDS = "PAYMENT_TIMEOUT_SECONDS"

_STATUS = {
    "requires_confirmation": ChargeStatus.CREATED,
    "requires_payment_method": ChargeStatus.CREATED,  # DECLINED when it carries the last error
    "requires_action": ChargeStatus.ACTION_REQUIRED,
    "requires_capture": ChargeStatus.PROCESSING,
    "processing": ChargeStatus.PROCESSING,
    "succeeded": ChargeStatus.SUCCEEDED,
    "canceled": ChargeStatus.CANCELLED,
}


def _charge(intent: Any) -> Charge:
    status = _STATUS.get(intent["status"], ChargeStatus.PROCESSING)
    error = intent.get("last_payment_error")
    if intent["status"] == "requires_payment_method" and error:
        return Charge(intent["id"], ChargeStatus.DECLINED, intent["amount"], error.get("message") or "declined")
    return Charge(intent["id"], status, intent["amount"])


class StripeProvider:
    def __init__(self, client: stripe.StripeClient):
        self._client = client

    def _call(self, request, *args, **kwargs) -> Any:
        import stripe

        try:
            answer = request(*args, **kwargs)
            # The library's objects are not dicts: read them as plain data, nested lists and objects included.
            return answer.to_dict() if hasattr(answer, "to_dict") else answer
        except stripe.APIConnectionError as exc:
            # Refused or not connected: never sent. A read timeout: it may have been done.
            cause = type(exc.__cause__).__name__ if exc.__cause__ else ""
            raise ProviderUnavailable(str(exc), maybe_done=cause in ("ReadTimeout", "Timeout")) from exc
        except (stripe.RateLimitError, stripe.AuthenticationError, stripe.PermissionError) as exc:
            raise ProviderUnavailable(str(exc), maybe_done=False) from exc
        except stripe.APIError as exc:  # the provider failed (5xx)
            raise ProviderUnavailable(str(exc), maybe_done=True) from exc

    def create(self, *, booking_id: str, amount: int, currency: str, payment_method: str) -> Charge:
        import stripe

        params = {
            "amount": amount,
            "currency": currency.lower(),
            "payment_method": payment_method,
            "payment_method_types": ["card"],
            "metadata": {"bookingId": booking_id},
        }
        options = {"idempotency_key": f"boxoffice-{booking_id}-create"}
        try:
            return _charge(self._call(self._client.v1.payment_intents.create, params, options))
        except stripe.InvalidRequestError as exc:  # e.g. no such payment method: the customer's card, not an outage
            return Charge("", ChargeStatus.DECLINED, amount, exc.user_message or str(exc))

    def confirm(self, payment_id: str) -> Charge:
        import stripe

        options = {"idempotency_key": f"boxoffice-{payment_id}-confirm"}
        try:
            return _charge(self._call(self._client.v1.payment_intents.confirm, payment_id, None, options))
        except stripe.CardError as exc:
            return Charge(payment_id, ChargeStatus.DECLINED, 0, exc.user_message or str(exc))
        except stripe.InvalidRequestError:
            # Not confirmable as it stands (already confirmed, cancelled, failed): what it is now decides.
            return self.look_up(payment_id)

    def look_up(self, payment_id: str) -> Charge:
        return _charge(self._call(self._client.v1.payment_intents.retrieve, payment_id))

    def cancel(self, payment_id: str) -> Charge:
        import stripe

        try:
            return _charge(self._call(self._client.v1.payment_intents.cancel, payment_id))
        except stripe.InvalidRequestError:  # succeeded or already cancelled: what it is now decides
            return self.look_up(payment_id)

    def refunded(self, payment_id: str) -> int:
        refunds = self._call(self._client.v1.refunds.list, {"payment_intent": payment_id, "limit": 100})
        return sum(r["amount"] for r in refunds["data"] if r.get("status") in ("succeeded", "pending"))

    def refund(self, *, booking_id: str, payment_id: str, amount: int) -> None:
        import stripe

        params = {"payment_intent": payment_id, "amount": amount, "metadata": {"bookingId": booking_id}}
        try:
            self._call(self._client.v1.refunds.create, params, {"idempotency_key": f"boxoffice-{booking_id}-refund"})
        except (stripe.InvalidRequestError, stripe.CardError) as exc:
            raise RefundRefused(exc.user_message or str(exc)) from exc


def _secret_key() -> str:
    from aws_lambda_powertools.utilities.parameters import get_secret

    from boxoffice import config

    value = get_secret(config.env(PAYMENT_SECRET_ARN), max_age=24 * 3600)
    return value if isinstance(value, str) else value.decode()


def connect(secret_key: str, api_base: str, timeout: float) -> StripeProvider:
    """The provider over the Stripe API at `api_base`, each call given up after `timeout` seconds."""
    import stripe

    client = stripe.StripeClient(
        secret_key,
        base_addresses={"api": api_base},
        # No retries inside a call: the breaker counts each failure, and the booking answers 202 at once rather
        # than waiting; the retry queue retries with the same intent.
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=(min(timeout, 1.0), timeout)),
    )
    return StripeProvider(client)


@cache
def provider() -> StripeProvider:
    """The provider, built at the first paid booking of a warm instance."""
    from boxoffice import config

    timeout = float(os.environ.get(PAYMENT_TIMEOUT_SECONDS, "1.5"))
    return connect(_secret_key(), config.env(PAYMENT_API_BASE), timeout)
