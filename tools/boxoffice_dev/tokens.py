"""Tokens for the local stack: real Cognito ID tokens from the stack's own user pool.

`boxoffice token --sub alice --group organizers` signs in (creating on first use) the user
`alice` in the deployed user pool and prints its ID token. The API's Cognito authorizer checks
it exactly as on AWS (signature, issuer, expiry); Cognito sets the claims, `sub` included (a
UUID Cognito assigns to the user, stable for the life of the local stack).
"""

from __future__ import annotations

import hashlib

from boxoffice_dev.aws import client


def _password(name: str) -> str:
    # Local-only users; a fixed derivation lets repeated calls sign in as the same user.
    return "Local-" + hashlib.sha256(f"boxoffice-local:{name}".encode()).hexdigest()[:20] + "!"


def ensure_user(idp, pool: str, name: str, password: str, groups: list[str] = (), email: str | None = None) -> None:
    """The user `name` in exactly `groups`; created on first use with a permanent `password` (and `email`, verified)."""
    try:
        idp.admin_get_user(UserPoolId=pool, Username=name)
    except idp.exceptions.UserNotFoundException:
        attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}] if email else []
        idp.admin_create_user(
            UserPoolId=pool, Username=name, MessageAction="SUPPRESS", TemporaryPassword=password,
            UserAttributes=attributes,
        )  # fmt: skip
        idp.admin_set_user_password(UserPoolId=pool, Username=name, Password=password, Permanent=True)
    current = {g["GroupName"] for g in idp.admin_list_groups_for_user(UserPoolId=pool, Username=name)["Groups"]}
    for group in set(groups) - current:
        idp.admin_add_user_to_group(UserPoolId=pool, Username=name, GroupName=group)
    for group in current - set(groups):
        idp.admin_remove_user_from_group(UserPoolId=pool, Username=name, GroupName=group)


def sign_in(idp, pool: str, app_client: str, name: str, password: str) -> str:
    """The user's ID token (ADMIN_USER_PASSWORD_AUTH: the tools have AWS credentials; the portal uses SRP)."""
    result = idp.admin_initiate_auth(
        UserPoolId=pool,
        ClientId=app_client,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": name, "PASSWORD": password},
    )
    return result["AuthenticationResult"]["IdToken"]


def token(endpoint: str, outputs: dict[str, str], name: str, groups: list[str] = ()) -> str:
    idp = client("cognito-idp", endpoint)
    pool, app_client = outputs["UserPoolId"], outputs["UserPoolClientId"]
    password = _password(name)
    ensure_user(idp, pool, name, password, groups)
    return sign_in(idp, pool, app_client, name, password)
