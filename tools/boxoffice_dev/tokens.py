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


def token(endpoint: str, outputs: dict[str, str], name: str, groups: list[str] = ()) -> str:
    idp = client("cognito-idp", endpoint)
    pool, app_client = outputs["UserPoolId"], outputs["UserPoolClientId"]
    password = _password(name)
    try:
        idp.admin_get_user(UserPoolId=pool, Username=name)
    except idp.exceptions.UserNotFoundException:
        idp.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS", TemporaryPassword=password)
        idp.admin_set_user_password(UserPoolId=pool, Username=name, Password=password, Permanent=True)
    current = {g["GroupName"] for g in idp.admin_list_groups_for_user(UserPoolId=pool, Username=name)["Groups"]}
    for group in set(groups) - current:
        idp.admin_add_user_to_group(UserPoolId=pool, Username=name, GroupName=group)
    for group in current - set(groups):
        idp.admin_remove_user_from_group(UserPoolId=pool, Username=name, GroupName=group)
    result = idp.admin_initiate_auth(
        UserPoolId=pool,
        ClientId=app_client,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": name, "PASSWORD": password},
    )
    return result["AuthenticationResult"]["IdToken"]
