"""The Stripe adapter of the payment port: what it sends Stripe's library, and how it reads every answer, with the
library's own objects and errors (a stand-in client; no network)."""

from __future__ import annotations

import pytest
import requests
import stripe

from boxoffice.payments.port import ChargeStatus, ProviderUnavailable, RefundRefused
from boxoffice.payments.stripe_provider import StripeProvider


class _Service:
    def __init__(self, answers: dict):
        self.answers, self.sent = answers, []

    def __getattr__(self, name: str):
        def call(*args, **kwargs):
            self.sent.append((name, args, kwargs))
            answer = self.answers[name]
            if isinstance(answer, Exception):
                raise answer
            return answer

        return call


class _Client:
    def __init__(self, intents: dict | None = None, refunds: dict | None = None):
        self.v1 = type("V1", (), {})()
        self.v1.payment_intents = _Service(intents or {})
        self.v1.refunds = _Service(refunds or {})


def _intent(status: str, **more) -> stripe.PaymentIntent:
    return stripe.PaymentIntent.construct_from({"id": "pi_1", "status": status, "amount": 300_000, **more}, "sk")


def _timeout(cause: Exception) -> stripe.APIConnectionError:
    try:
        raise stripe.APIConnectionError("network") from cause
    except stripe.APIConnectionError as exc:
        return exc


def test_create_sends_the_amount_in_krw_the_method_and_the_booking_and_never_confirms():
    client = _Client({"create": _intent("requires_confirmation")})
    charge = StripeProvider(client).create(
        booking_id="B1", amount=300_000, currency="KRW", payment_method="pm_card_visa"
    )
    assert (charge.payment_id, charge.status, charge.amount) == ("pi_1", ChargeStatus.CREATED, 300_000)
    [(name, (params, options), _)] = client.v1.payment_intents.sent
    assert name == "create"
    assert params["amount"] == 300_000
    assert params["currency"] == "krw"
    assert (params["payment_method"], params["metadata"]) == ("pm_card_visa", {"bookingId": "B1"})
    assert "confirm" not in params
    assert options == {"idempotency_key": "boxoffice-B1-create"}  # the same booking, the same intent on Stripe


@pytest.mark.parametrize(
    ("intent", "status", "reason"),
    [
        (_intent("succeeded"), ChargeStatus.SUCCEEDED, None),
        (_intent("requires_action"), ChargeStatus.ACTION_REQUIRED, None),
        (_intent("processing"), ChargeStatus.PROCESSING, None),
        (_intent("requires_payment_method", last_payment_error={"message": "Your card was declined."}),
         ChargeStatus.DECLINED, "Your card was declined."),
        (_intent("canceled"), ChargeStatus.CANCELLED, None),
    ],
)  # fmt: skip
def test_what_the_intent_says_after_confirming(intent, status, reason):
    client = _Client({"confirm": intent})
    charge = StripeProvider(client).confirm("pi_1")
    assert (charge.status, charge.reason) == (status, reason)
    assert client.v1.payment_intents.sent[0][1] == ("pi_1", None, {"idempotency_key": "boxoffice-pi_1-confirm"})


def test_a_card_error_is_a_decline_with_the_providers_reason():
    client = _Client({"confirm": stripe.CardError("Your card was declined.", None, "card_declined")})
    charge = StripeProvider(client).confirm("pi_1")
    assert (charge.status, charge.reason) == (ChargeStatus.DECLINED, "Your card was declined.")


def test_a_payment_method_stripe_does_not_know_is_a_decline_before_any_intent():
    client = _Client({"create": stripe.InvalidRequestError("No such PaymentMethod: 'pm_x'", "payment_method")})
    charge = StripeProvider(client).create(booking_id="B", amount=1, currency="KRW", payment_method="pm_x")
    assert (charge.payment_id, charge.status) == ("", ChargeStatus.DECLINED)


@pytest.mark.parametrize(
    ("error", "maybe_done"),
    [
        (_timeout(requests.exceptions.ConnectionError("refused")), False),  # never sent
        (_timeout(requests.exceptions.ConnectTimeout("connect")), False),
        (_timeout(requests.exceptions.ReadTimeout("read")), True),  # sent: it may have been done
        (stripe.APIError("internal error"), True),
        (stripe.RateLimitError("slow down"), False),
        (stripe.AuthenticationError("bad key"), False),
    ],
)
def test_an_unreachable_slow_or_failing_provider_is_unavailable_and_says_whether_it_may_have_acted(error, maybe_done):
    with pytest.raises(ProviderUnavailable) as caught:
        StripeProvider(_Client({"retrieve": error})).look_up("pi_1")
    assert caught.value.maybe_done is maybe_done


def test_how_much_is_refunded_already_is_the_sum_of_the_intents_refunds():
    listed = stripe.ListObject.construct_from(
        {"object": "list", "data": [{"id": "re_1", "amount": 100, "status": "succeeded"},
                                    {"id": "re_2", "amount": 50, "status": "failed"}]}, "sk")  # fmt: skip
    client = _Client(refunds={"list": listed})
    assert StripeProvider(client).refunded("pi_1") == 100
    assert client.v1.refunds.sent[0][1][0] == {"payment_intent": "pi_1", "limit": 100}


def test_a_refund_stripe_refuses_is_refund_refused_and_sends_its_idempotency_key():
    client = _Client(refunds={"create": stripe.InvalidRequestError("Charge already refunded", None)})
    with pytest.raises(RefundRefused):
        StripeProvider(client).refund(booking_id="B1", payment_id="pi_1", amount=100)
    [(_, (params, options), _)] = client.v1.refunds.sent
    assert (params["amount"], options) == (100, {"idempotency_key": "boxoffice-B1-refund"})
