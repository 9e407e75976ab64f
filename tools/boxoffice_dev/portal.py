"""The portal on the local stack: the built app (portal/dist), its /config.json and its security headers.

The pass-through (proxy.py) serves these on the paths the API does not use, so the portal and the API share one origin,
as CloudFront makes them share one on AWS: `/` (the app; its routes are URL fragments, #/bookings, which never reach a
server), `/assets/...` (the build, content-hashed), the other files at the top of portal/dist (the icon), and
`/config.json` (the stack's user pool and client, where Cognito and Stripe are). Everything else goes to the API.

The Content-Security-Policy is the same on both: built by `content_security_policy` from the origins the page needs
(LOCAL_ORIGINS here, AWS_ORIGINS in template.yaml's response-headers policy; a unit test holds the two together).
"""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from boxoffice_dev.paths import ROOT

DIST = ROOT / "portal" / "dist"
# Where the page reaches Cognito's API locally: the pass-through forwards it to the emulator (see proxy.py).
COGNITO_PATH = "/_cognito/"
# localstripe takes any pk_ key as a publishable key (see tools/localstripe_patches/publishable_key_payment_methods.py).
PUBLISHABLE_KEY = "pk_test_boxoffice_local"

CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml",
          ".html": "text/html; charset=utf-8", ".json": "application/json", ".png": "image/png",
          ".ico": "image/x-icon", ".webmanifest": "application/manifest+json"}  # fmt: skip


@dataclass(frozen=True)
class Origins:
    """Who else the page talks to: Stripe (its script, its API, its frames and images) and Cognito."""

    stripe_scripts: tuple[str, ...]
    stripe_api: str
    stripe_frames: tuple[str, ...]
    stripe_images: tuple[str, ...]
    cognito: str | None  # None: same origin (the local /_cognito/ path)


# Stripe's documented CSP sources (https://docs.stripe.com/security/guide#content-security-policy) and Cognito's API.
AWS_ORIGINS = Origins(
    stripe_scripts=("https://js.stripe.com", "https://*.js.stripe.com"),
    stripe_api="https://api.stripe.com",
    stripe_frames=("https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"),
    stripe_images=("https://*.stripe.com",),
    cognito="https://cognito-idp.${AWS::Region}.amazonaws.com",  # as written in template.yaml (!Sub)
)


def local_origins(payments_url: str) -> Origins:
    """localstripe serves the Stripe.js stand-in and the API from one origin; Cognito is same-origin."""
    return Origins(
        stripe_scripts=(payments_url,),
        stripe_api=payments_url,
        stripe_frames=(payments_url,),
        stripe_images=(),
        cognito=None,
    )


def content_security_policy(origins: Origins) -> str:
    """Only what the page needs: its own files, Stripe.js and Stripe's frames, the API (same origin), Stripe's API
    for the one PaymentMethod call, Cognito. No inline script or style, no eval, no plugins, never framed."""
    connect = ["'self'", origins.stripe_api, *([origins.cognito] if origins.cognito else [])]
    directives = [
        "default-src 'none'",
        " ".join(["script-src 'self'", *origins.stripe_scripts]),
        "style-src 'self'",
        " ".join(["img-src 'self' data:", *origins.stripe_images]),
        "font-src 'self'",
        "connect-src " + " ".join(dict.fromkeys(connect)),
        "frame-src " + " ".join(origins.stripe_frames),
        "manifest-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)


def security_headers(origins: Origins) -> list[tuple[str, str]]:
    """The headers of every portal response (CloudFront's response-headers policy sends the same ones on AWS, with
    Strict-Transport-Security too, which means nothing over the local plain HTTP)."""
    return [
        ("Content-Security-Policy", content_security_policy(origins)),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]


def local_config(outputs: dict[str, str], payments_url: str, region: str = "us-east-1") -> dict[str, str]:
    """/config.json of the local stack (on AWS, `make deploy-portal` writes it from the stack's outputs)."""
    return {
        "region": region,
        "userPoolId": outputs["UserPoolId"],
        "userPoolClientId": outputs["UserPoolClientId"],
        "cognitoEndpoint": COGNITO_PATH,
        "stripePublishableKey": PUBLISHABLE_KEY,
        "stripeJsUrl": f"{payments_url}/js.stripe.com/v3/",
        "stripeApiBase": payments_url,
    }


class Portal:
    """Answers the portal's own paths; `answer` returns None for every other path (the API's)."""

    def __init__(self, config: dict[str, str], origins: Origins, dist: Path = DIST):
        self.dist = dist.resolve()
        self.config = json.dumps(config, ensure_ascii=False).encode()
        self.headers = security_headers(origins)

    def owns(self, path: str) -> bool:
        path = path.split("?", 1)[0].split("#", 1)[0]
        if path in ("/", "/index.html", "/config.json") or path.startswith("/assets/"):
            return True
        # Files at the top of the build (the icon); never a name the API serves (/performances, /bookings).
        name = path.lstrip("/")
        return bool(name) and "/" not in name and not name.startswith(".") and (self.dist / name).is_file()

    def answer(self, method: str, path: str) -> tuple[int, list[tuple[str, str]], bytes] | None:
        if not self.owns(path):
            return None
        if method not in ("GET", "HEAD"):
            return 405, [("Allow", "GET, HEAD"), ("Content-Type", "text/plain")], b"405 method not allowed\n"
        path = path.split("?", 1)[0].split("#", 1)[0]
        if path == "/config.json":
            return (
                200,
                [("Content-Type", CONTENT_TYPES[".json"]), ("Cache-Control", "no-cache"), *self.headers],
                self.config,
            )
        file = self._file(path)
        if file is None:
            if path in ("/", "/index.html"):
                text = "The portal is not built: run `make portal` (or `make run`), then reload.\n"
                return 503, [("Content-Type", "text/plain; charset=utf-8"), *self.headers], text.encode()
            return 404, [("Content-Type", "text/plain"), *self.headers], b"404 not found\n"
        kind = CONTENT_TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        # Content-hashed assets never change under their name; the page and the config are checked every time.
        cache = "public, max-age=31536000, immutable" if path.startswith("/assets/") else "no-cache"
        return 200, [("Content-Type", kind), ("Cache-Control", cache), *self.headers], file.read_bytes()

    def _file(self, path: str) -> Path | None:
        relative = "index.html" if path == "/" else path.lstrip("/")
        candidate = (self.dist / relative).resolve()
        # Nothing outside the build, whatever the path says (.., symlinks).
        if not candidate.is_relative_to(self.dist) or not candidate.is_file():
            return None
        return candidate
