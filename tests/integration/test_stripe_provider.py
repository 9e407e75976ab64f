"""The Stripe adapter of the payment port (boxoffice.payments.stripe_provider), in this process, against a real
localstripe over HTTP: the statuses it reads, the declines it tells from outages, and whether an outage may have
charged. The deployed functions use the same adapter on the local stack (tests/e2e/test_payments.py); here each
answer of the provider is pinned down one by one.
"""

from __future__ import annotations

import http.server
import json
import threading

import boto3
import moto
import pytest

from boxoffice.payments import stripe_provider
from boxoffice.payments.port import ChargeStatus, ProviderUnavailable, RefundRefused
from boxoffice.payments.stripe_provider import StripeProvider
from boxoffice_dev.emulator import free_port
from boxoffice_dev.payments import SECRET_KEY, Localstripe

PAYS, DECLINED = "pm_card_visa", "pm_card_chargeCustomerFail"
NEEDS_3DS = "4000002500003155"  # Stripe's test card that asks for authentication on every payment


@pytest.fixture(scope="module")
def localstripe():
    with Localstripe() as ls:
        yield ls


def _adapter(url: str, timeout: float = 3.0) -> StripeProvider:
    return stripe_provider.connect(SECRET_KEY, url, timeout)


@pytest.fixture
def payments(localstripe) -> StripeProvider:
    return _adapter(localstripe.url)


def _charge(payments: StripeProvider, booking_id: str, method: str = PAYS, amount: int = 55000):
    created = payments.create(booking_id=booking_id, amount=amount, currency="KRW", payment_method=method)
    assert created.status is ChargeStatus.CREATED
    assert created.amount == amount
    return created, payments.confirm(created.payment_id)


def test_a_card_that_pays_is_charged_the_amount_once_confirmed(payments, localstripe):
    created, paid = _charge(payments, "01PAYS")
    assert paid == created.__class__(created.payment_id, ChargeStatus.SUCCEEDED, 55000)
    assert payments.look_up(created.payment_id).status is ChargeStatus.SUCCEEDED
    intent = localstripe.payment_intent(created.payment_id)
    assert (intent["currency"], intent["metadata"]) == ("krw", {"bookingId": "01PAYS"})


def test_confirming_a_paid_intent_again_reads_what_it_is_rather_than_failing(payments):
    created, _ = _charge(payments, "01TWICE")
    assert payments.confirm(created.payment_id).status is ChargeStatus.SUCCEEDED


def test_a_declined_card_is_a_decline_with_the_issuers_reason_not_an_outage(payments):
    _, declined = _charge(payments, "01DECLINED", DECLINED)
    assert declined.status is ChargeStatus.DECLINED
    assert declined.reason
    assert "declined" in declined.reason
    # Read back later (the retry queue looks a charge up): still a decline, with its reason.
    again = payments.look_up(declined.payment_id)
    assert (again.status, again.reason) == (ChargeStatus.DECLINED, declined.reason)


def test_a_card_that_needs_3d_secure_asks_for_action(payments, localstripe):
    card = {"number": NEEDS_3DS, "exp_month": 12, "exp_year": 2034, "cvc": "123"}
    method = localstripe.request("POST", "/v1/payment_methods", {"type": "card", "card": card})["id"]
    _, answer = _charge(payments, "01THREEDS", method)
    assert answer.status is ChargeStatus.ACTION_REQUIRED


def test_an_unknown_payment_method_is_declined_at_once(payments):
    answer = payments.create(booking_id="01NOSUCH", amount=1000, currency="KRW", payment_method="pm_no_such_card")
    assert (answer.status, answer.payment_id, answer.amount) == (ChargeStatus.DECLINED, "", 1000)
    assert answer.reason


def test_an_unconfirmed_intent_is_cancelled_and_a_paid_one_stays_paid(payments):
    created = payments.create(booking_id="01GIVEUP", amount=3000, currency="KRW", payment_method=PAYS)
    assert payments.cancel(created.payment_id).status is ChargeStatus.CANCELLED
    paid, _ = _charge(payments, "01KEEP")
    assert payments.cancel(paid.payment_id).status is ChargeStatus.SUCCEEDED


def test_a_refund_is_counted_and_one_of_a_payment_it_does_not_know_is_refused(payments):
    created, _ = _charge(payments, "01REFUND", amount=40000)
    assert payments.refunded(created.payment_id) == 0
    payments.refund(booking_id="01REFUND", payment_id=created.payment_id, amount=40000)
    assert payments.refunded(created.payment_id) == 40000
    with pytest.raises(RefundRefused):
        payments.refund(booking_id="01UNKNOWN", payment_id="pi_no_such_payment", amount=2000)


def test_a_provider_nobody_answers_at_was_never_reached():
    with pytest.raises(ProviderUnavailable) as refused:
        _adapter(f"http://127.0.0.1:{free_port()}").look_up("pi_any")
    assert refused.value.maybe_done is False


def test_a_provider_that_stops_answering_may_have_done_it(localstripe):
    slow = _adapter(localstripe.url, timeout=0.5)
    localstripe.pause()
    try:
        with pytest.raises(ProviderUnavailable) as timed_out:
            slow.create(booking_id="01SLOW", amount=1000, currency="KRW", payment_method=PAYS)
    finally:
        localstripe.resume()
    assert timed_out.value.maybe_done is True


class _Failing(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.dumps({"error": {"type": "api_error", "message": "the provider failed"}}).encode()
        self.send_response(500)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_provider_that_fails_may_have_done_it():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        failing = _adapter(f"http://127.0.0.1:{server.server_address[1]}")
        with pytest.raises(ProviderUnavailable) as failed:
            failing.create(booking_id="01FAILING", amount=1000, currency="KRW", payment_method=PAYS)
    finally:
        server.shutdown()
    assert failed.value.maybe_done is True


def test_a_wrong_secret_key_is_an_outage_not_a_decline(localstripe):
    wrong = stripe_provider.connect("not-a-key", localstripe.url, 3.0)
    with pytest.raises(ProviderUnavailable) as refused:
        wrong.look_up("pi_any")
    assert refused.value.maybe_done is False


def test_the_provider_is_built_from_the_secret_and_the_template_address(localstripe, monkeypatch):
    with moto.mock_aws():
        secrets = boto3.client("secretsmanager", region_name="us-east-1")
        arn = secrets.create_secret(Name="boxoffice/payment", SecretString=SECRET_KEY)["ARN"]
        monkeypatch.setenv(stripe_provider.PAYMENT_SECRET_ARN, arn)
        monkeypatch.setenv(stripe_provider.PAYMENT_API_BASE, localstripe.url)
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        stripe_provider.provider.cache_clear()
        try:
            built = stripe_provider.provider()
            assert stripe_provider.provider() is built  # once per warm instance
            _, paid = _charge(built, "01BUILT")
        finally:
            stripe_provider.provider.cache_clear()
    assert paid.status is ChargeStatus.SUCCEEDED
