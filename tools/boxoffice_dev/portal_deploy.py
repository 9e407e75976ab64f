"""Upload the portal's build to its bucket on a deployed stack (`make deploy-portal`), with its config.json.

    boxoffice deploy-portal --stack boxoffice-dev [--region us-east-1] [--publishable-key pk_live_...]
    (or STRIPE_PUBLISHABLE_KEY in the environment; AWS credentials as for `sam deploy`)

The stack's outputs say where: PortalBucketName, PortalDistributionId, the user pool and its client. Content-hashed
files under assets/ go first (cached for a year: their names change with their content), then index.html and
config.json (revalidated on every visit), so a visitor never gets a page that points at files not uploaded yet;
files of earlier builds are left in place (a page loaded a minute ago may still ask for them). Then CloudFront is told
to drop its copies of the page and the config. The pipeline calls this after `sam deploy`.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from boxoffice_dev.portal import CONTENT_TYPES, DIST

STRIPE_JS = "https://js.stripe.com/v3/"
STRIPE_API = "https://api.stripe.com"
LAST = ("index.html",)  # uploaded after everything they refer to


def aws_config(outputs: dict[str, str], region: str, publishable_key: str) -> dict[str, str]:
    """config.json for a stack on AWS: the browser calls Cognito and Stripe directly (the CSP allows both)."""
    return {
        "region": region,
        "userPoolId": outputs["UserPoolId"],
        "userPoolClientId": outputs["UserPoolClientId"],
        "cognitoEndpoint": f"https://cognito-idp.{region}.amazonaws.com/",
        "stripePublishableKey": publishable_key,
        "stripeJsUrl": STRIPE_JS,
        "stripeApiBase": STRIPE_API,
    }


def _cache_control(key: str) -> str:
    return "public, max-age=31536000, immutable" if key.startswith("assets/") else "no-cache"


def _content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix, "application/octet-stream")


def upload(s3, bucket: str, config: dict[str, str], dist: Path = DIST) -> list[str]:
    """Every file of the build, then config.json; the keys written, in order."""
    if not (dist / "index.html").is_file():
        raise SystemExit(f"no build in {dist}: run `make portal` first")
    files = sorted(p for p in dist.rglob("*") if p.is_file() and not p.name.startswith("."))
    ordered = [p for p in files if p.relative_to(dist).as_posix() not in LAST] + [dist / name for name in LAST]
    written = []
    for path in ordered:
        key = path.relative_to(dist).as_posix()
        s3.put_object(
            Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=_content_type(path),
            CacheControl=_cache_control(key),
        )  # fmt: skip
        written.append(key)
    body = json.dumps(config, ensure_ascii=False).encode()
    s3.put_object(
        Bucket=bucket, Key="config.json", Body=body, ContentType=CONTENT_TYPES[".json"], CacheControl="no-cache"
    )
    return [*written, "config.json"]


def invalidate(cloudfront, distribution_id: str) -> str:
    """Drop the distribution's copies of what is revalidated anyway (hashed assets have new names)."""
    paths = ["/", "/index.html", "/config.json"]
    batch = {"Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": str(time.time())}
    return cloudfront.create_invalidation(DistributionId=distribution_id, InvalidationBatch=batch)["Invalidation"]["Id"]


def stack_outputs(cloudformation, stack: str) -> dict[str, str]:
    [described] = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def deploy(stack: str, region: str, publishable_key: str | None, make_client=None) -> dict[str, object]:
    """Upload the build to `stack`'s bucket; `make_client(service)` gives the clients (AWS's by default; the tests
    give the local emulator's)."""
    key = publishable_key or os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
    if not key.startswith("pk_"):
        raise SystemExit("give Stripe's publishable key: --publishable-key pk_... or STRIPE_PUBLISHABLE_KEY")
    if make_client is None:
        import boto3

        make_client = boto3.session.Session(region_name=region).client
    outputs = stack_outputs(make_client("cloudformation"), stack)
    written = upload(make_client("s3"), outputs["PortalBucketName"], aws_config(outputs, region, key))
    invalidation = invalidate(make_client("cloudfront"), outputs["PortalDistributionId"])
    return {"bucket": outputs["PortalBucketName"], "files": written, "invalidation": invalidation,
            "url": outputs.get("PortalUrl")}  # fmt: skip
