"""`POST /v1/payment_methods` authenticated by a publishable key sent in the form (`key=pk_...`), as Stripe takes it.

Why: the portal makes the PaymentMethod from the browser, with the publishable key, exactly as Stripe.js does for
its own `createPaymentMethod` (a form POST to api.stripe.com/v1/payment_methods carrying `key=pk_...`; a form POST
with no Authorization header needs no CORS preflight). localstripe 1.15.10 takes a publishable key in the form only
on a fixed list of routes (POST /v1/tokens, /v1/sources, a PaymentIntent's _authenticate, a SetupIntent's confirm and
cancel) and answers this one 401 Unauthorized: its `auth_middleware` accepts only `sk_` keys in the Authorization
header elsewhere (and an Authorization header would not pass its CORS answer, which allows only Content-Type and
Accept). Without this patch the portal's card path would run against Stripe but not locally.

What: localstripe's own `auth_middleware`, in its place in the app's middleware list, is wrapped: a POST to exactly
/v1/payment_methods with no secret key and a `key` starting with `pk_` in its form passes to the handler (which drops
`key`, as it does on the listed routes); every other request meets localstripe's check unchanged. Publishable keys
still cannot read, list, attach or confirm anything.
"""

from __future__ import annotations

from aiohttp import web
from localstripe import server

PATH = "/v1/payment_methods"


def apply() -> None:
    original = server.auth_middleware
    if getattr(original, "_boxoffice_publishable", False):
        return

    @web.middleware
    async def auth_middleware(request, handler):
        if request.method == "POST" and request.path == PATH and server.get_api_key(request) is None:
            data = await server.get_post_data(request, remove_auth=False)
            key = data.get("key") if isinstance(data, dict) else None
            if isinstance(key, str) and key.startswith("pk_") and len(key) > len("pk_"):
                return await handler(request)
        return await original(request, handler)

    auth_middleware._boxoffice_publishable = True
    middlewares = server.app.middlewares  # aiohttp freezes this list when the app starts; patches run before
    middlewares[middlewares.index(original)] = auth_middleware
    server.auth_middleware = auth_middleware
