"""The portal on the local stack's port, beside the API: its paths, its headers, /config.json, the Cognito path; and
`boxoffice deploy-portal` uploading the build to the stack's own bucket (the emulator provisions the template's
bucket and distribution; on AWS the same code uploads to S3 and invalidates CloudFront)."""

from __future__ import annotations

import json
import re

import pytest
import requests

from boxoffice_dev.portal import DIST, content_security_policy, local_origins
from boxoffice_dev.portal_deploy import deploy

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def built():
    if not (DIST / "index.html").is_file():
        pytest.fail("the portal is not built: `make portal` (make test does it first)")
    return DIST


def test_the_page_comes_with_its_csp_and_no_inline_script(api, built):
    stack = api.stack
    response = requests.get(f"{stack.url}/", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Content-Security-Policy"] == content_security_policy(local_origins(stack.payments.url))
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", response.text, re.S)
    assert scripts == [""]  # one script, from a file (src=), nothing inline
    asset = re.search(r'src="(/assets/[^"]+\.js)"', response.text).group(1)
    script = requests.get(f"{stack.url}{asset}", timeout=30)
    assert script.status_code == 200
    assert script.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_config_json_names_this_stacks_pool_and_payment_provider(api, built):
    stack = api.stack
    config = requests.get(f"{stack.url}/config.json", timeout=30).json()
    assert (config["userPoolId"], config["userPoolClientId"]) == (
        stack.outputs["UserPoolId"],
        stack.outputs["UserPoolClientId"],
    )
    assert config["stripeApiBase"] == stack.payments.url
    assert requests.get(config["stripeJsUrl"], timeout=30).status_code == 200  # the Stripe.js stand-in


def test_the_api_keeps_its_paths(api, built):
    assert api.call("GET", "/performances?limit=1").status_code == 200
    unknown = api.call("GET", "/no-such-thing")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "NOT_FOUND")
    assert api.call("POST", "/").status_code == 405


def test_only_cognitos_api_passes_under_the_cognito_path(api):
    url = f"{api.stack.url}/_cognito/"
    headers = {"Content-Type": "application/x-amz-json-1.1"}
    cognito = requests.post(
        url, data=json.dumps({"AccessToken": "not-a-token"}), timeout=30,
        headers={**headers, "X-Amz-Target": "AWSCognitoIdentityProviderService.GetUser"},
    )  # fmt: skip
    assert cognito.status_code == 400
    assert "NotAuthorized" in cognito.text
    other = requests.post(
        url, data="{}", timeout=30, headers={**headers, "X-Amz-Target": "DynamoDB_20120810.ListTables"}
    )
    assert other.status_code == 403


def test_deploy_portal_uploads_the_build_and_an_aws_config(api, built):
    stack = api.stack
    result = deploy("boxoffice-local", "us-east-1", "pk_test_deploy", make_client=stack.client)
    assert result["files"][-2:] == ["index.html", "config.json"]  # after everything they refer to
    s3 = stack.client("s3")
    bucket = stack.outputs["PortalBucketName"]
    page = s3.get_object(Bucket=bucket, Key="index.html")
    assert (page["ContentType"], page["CacheControl"]) == ("text/html; charset=utf-8", "no-cache")
    assert page["Body"].read() == (built / "index.html").read_bytes()
    config = json.loads(s3.get_object(Bucket=bucket, Key="config.json")["Body"].read())
    assert config["cognitoEndpoint"] == "https://cognito-idp.us-east-1.amazonaws.com/"
    assert (config["stripeJsUrl"], config["stripePublishableKey"]) == ("https://js.stripe.com/v3/", "pk_test_deploy")
    assets = [k for k in result["files"] if k.startswith("assets/")]
    assert assets
    assert s3.head_object(Bucket=bucket, Key=assets[0])["CacheControl"] == "public, max-age=31536000, immutable"
