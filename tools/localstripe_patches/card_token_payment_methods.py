"""`POST /v1/payment_methods type=card card[token]=tok_...` makes a PaymentMethod from a card token, once per token.

Why: the portal's card form is localstripe's Stripe.js stand-in (served at /js.stripe.com/v3/), whose
`createPaymentMethod` does nothing; its `createToken` works, as real Stripe.js's does. The one server call that turns
such a token into a PaymentMethod and that Stripe documents is `payment_methods.create(type="card",
card={"token": tok})` (Stripe: "for backwards compatibility, you can alternatively provide a Stripe token ... into
the card hash with format card: {token: "tok_visa"}"). localstripe 1.15.10 answers it 400 Bad request:
`PaymentMethod.__init__` accepts a card only as exactly {number, exp_month, exp_year, cvc}. Without this patch the
portal's path (token in the browser, PaymentMethod and PaymentIntent on the server) could not run locally, or would
have to take a path that only localstripe accepts.

What: a card given as {token} alone is replaced, before localstripe's own unchanged `__init__` runs, by the number
and expiry of the card the token holds (the token keeps no CVC; "000" stands in, which localstripe never checks), so
everything localstripe does with a card number (declines, authentication, fingerprint, last4) holds for it. As on
Stripe, a token can be used once: a second use is 400 "You cannot use a Stripe token more than once", an unknown
token 400 "No such token" (code resource_missing). Every other request reaches localstripe untouched.
"""

from __future__ import annotations

from localstripe.errors import UserError
from localstripe.resources import PaymentMethod, Token


def _token(token_id: object) -> Token:
    if not isinstance(token_id, str) or not token_id.startswith("tok_"):
        raise UserError(400, "Bad request")
    try:
        token = Token._api_retrieve(token_id)
    except UserError:
        raise UserError(
            400, f"No such token: '{token_id}'", {"code": "resource_missing", "param": "card[token]"}
        ) from None
    if getattr(token, "_used", False):
        message = f"You cannot use a Stripe token more than once: {token_id}."
        raise UserError(400, message, {"code": "token_already_used"})
    return token


def apply() -> None:
    original = PaymentMethod.__init__
    if getattr(original, "_boxoffice_card_token", False):
        return

    def __init__(self, type=None, card=None, **kwargs):  # noqa: A002  (localstripe's own parameter name)
        token = None
        if type == "card" and isinstance(card, dict) and set(card) == {"token"}:
            token = _token(card["token"])
            held = token.card
            card = {"number": held._card_number, "exp_month": held.exp_month, "exp_year": held.exp_year, "cvc": "000"}
        original(self, type=type, card=card, **kwargs)
        if token is not None:  # used up only by a PaymentMethod actually made (requests run one at a time)
            token._used = True

    __init__._boxoffice_card_token = True
    PaymentMethod.__init__ = __init__
