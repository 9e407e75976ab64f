"""The portal's serving rules, the same on the local pass-through and on AWS: which paths are the portal's, the
security headers (the template's CloudFront policy and tools/boxoffice_dev/portal.py agree), and what the portal's
code expects of the stack (its config keys, the sign-in flows the user pool client allows)."""

from __future__ import annotations

import json
import re

import pytest

from boxoffice_dev.portal import (
    AWS_ORIGINS,
    COGNITO_PATH,
    Portal,
    content_security_policy,
    local_config,
    local_origins,
    security_headers,
)
from boxoffice_dev.portal_deploy import aws_config
from tests.template import ROOT, resources

PORTAL_SRC = ROOT / "portal" / "src"
OUTPUTS = {"UserPoolId": "us-east-1_pool", "UserPoolClientId": "client"}


def _policy() -> dict:
    [policy] = resources("AWS::CloudFront::ResponseHeadersPolicy").values()
    return policy["Properties"]["ResponseHeadersPolicyConfig"]


def _distribution() -> dict:
    [distribution] = resources("AWS::CloudFront::Distribution").values()
    return distribution["Properties"]["DistributionConfig"]


def test_the_templates_csp_is_the_one_the_local_pass_through_builds():
    csp = _policy()["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    assert csp["Override"] is True
    assert csp["ContentSecurityPolicy"] == {"Fn::Sub": content_security_policy(AWS_ORIGINS)}


def test_the_csp_allows_no_inline_script_or_style_and_no_framing():
    for origins in (AWS_ORIGINS, local_origins("http://127.0.0.1:4242")):
        directives = dict(d.split(" ", 1) for d in content_security_policy(origins).split("; "))
        assert directives["default-src"] == "'none'"
        assert "unsafe" not in content_security_policy(origins)
        assert directives["style-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["script-src"].split()[0] == "'self'"


def test_the_templates_other_headers_are_the_pass_throughs():
    local = dict(security_headers(AWS_ORIGINS))
    config = _policy()
    security = config["SecurityHeadersConfig"]
    assert security["FrameOptions"]["FrameOption"] == local["X-Frame-Options"]
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == local["Referrer-Policy"]
    assert "ContentTypeOptions" in security  # X-Content-Type-Options: nosniff
    custom = {item["Header"]: item["Value"] for item in config["CustomHeadersConfig"]["Items"]}
    assert custom == {k: local[k] for k in ("Cross-Origin-Opener-Policy", "Permissions-Policy")}


def _api_paths() -> list[str]:
    """Every path of the API's contract, with made-up ids in its parameters."""
    spec = json.loads((ROOT / "docs" / "contracts" / "openapi.json").read_text())
    return [re.sub(r"\{[^}]+\}", "01ARZ3NDEKTSV4RRFFQ69G5FAV", path) for path in spec["paths"]]


def test_cloudfront_sends_every_api_path_to_the_api_and_the_rest_to_the_portal():
    config = _distribution()
    to_api = [b["PathPattern"] for b in config["CacheBehaviors"] if b["TargetOriginId"] == "api"]
    for path in _api_paths():
        assert any(path.startswith(pattern.rstrip("*")) for pattern in to_api), path
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "portal"
    for pattern in to_api:
        assert not Portal({}, AWS_ORIGINS).owns(pattern.rstrip("*"))


@pytest.fixture
def portal(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>t</title>")
    (tmp_path / "assets" / "index-abc.js").write_text("console.log(1)")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    (tmp_path / ".built").write_text("")
    (tmp_path.parent / "secret.txt").write_text("not for you")
    return Portal(local_config(OUTPUTS, "http://127.0.0.1:4242"), local_origins("http://127.0.0.1:4242"), tmp_path)


def test_the_portal_answers_its_own_paths_only(portal):
    for path in _api_paths():
        assert portal.answer("GET", path) is None, path
    for path in ("/nope", "/.built", "/_cognito/", "/assets", "/performances?x=/assets/"):
        assert portal.answer("GET", path) is None, path


def test_the_page_is_revalidated_and_the_hashed_assets_are_cached_for_good(portal):
    status, headers, body = portal.answer("GET", "/?utm=1")
    assert (status, dict(headers)["Cache-Control"], body) == (200, "no-cache", b"<!doctype html><title>t</title>")
    assert dict(headers)["Content-Type"].startswith("text/html")
    status, headers, _ = portal.answer("GET", "/assets/index-abc.js")
    assert (status, dict(headers)["Cache-Control"]) == (200, "public, max-age=31536000, immutable")
    assert dict(headers)["Content-Type"].startswith("text/javascript")
    assert dict(headers)["Content-Security-Policy"] == content_security_policy(local_origins("http://127.0.0.1:4242"))
    assert portal.answer("HEAD", "/favicon.svg")[0] == 200


def test_nothing_outside_the_build_is_served(portal):
    for path in ("/assets/../../secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt", "/assets/missing.js"):
        status, _, body = portal.answer("GET", path)
        assert status == 404, path
        assert b"not for you" not in body


def test_the_portal_is_read_only(portal):
    status, headers, _ = portal.answer("POST", "/")
    assert (status, dict(headers)["Allow"]) == (405, "GET, HEAD")


def test_config_json_says_where_cognito_and_stripe_are(portal):
    status, _, body = portal.answer("GET", "/config.json")
    config = json.loads(body)
    assert status == 200
    assert config["cognitoEndpoint"] == COGNITO_PATH
    assert config["stripeJsUrl"] == "http://127.0.0.1:4242/js.stripe.com/v3/"
    assert config["stripePublishableKey"].startswith("pk_")


def test_both_configs_have_exactly_the_keys_the_portal_reads():
    source = (PORTAL_SRC / "config.ts").read_text()
    interface = source[
        source.index("interface PortalConfig") : source.index("}", source.index("interface PortalConfig"))
    ]
    expected = set(re.findall(r"^\s+(\w+): string$", interface, re.M))
    assert set(local_config(OUTPUTS, "http://127.0.0.1:1")) == expected
    assert set(aws_config(OUTPUTS, "ap-northeast-2", "pk_live_x")) == expected
    assert aws_config(OUTPUTS, "ap-northeast-2", "pk_live_x")["cognitoEndpoint"] == (
        "https://cognito-idp.ap-northeast-2.amazonaws.com/"
    )


def test_the_user_pool_client_allows_the_flows_the_portal_uses():
    """The local emulator does not enforce a client's ExplicitAuthFlows (its AUTH is off), so this is checked here:
    the portal signs in with SRP and refreshes with the refresh token."""
    [client] = resources("AWS::Cognito::UserPoolClient").values()
    flows = set(client["Properties"]["ExplicitAuthFlows"])
    assert {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"} <= flows
    assert "ALLOW_USER_PASSWORD_AUTH" not in flows  # the password never leaves the browser
    auth = (PORTAL_SRC / "auth.ts").read_text()
    assert "setAuthenticationFlowType('USER_SRP_AUTH')" in auth


def test_the_message_files_have_the_same_keys():
    ko = json.loads((PORTAL_SRC / "messages" / "ko.json").read_text())
    en = json.loads((PORTAL_SRC / "messages" / "en.json").read_text())
    assert set(ko) == set(en)
    assert all(ko.values())
    assert all(en.values())
