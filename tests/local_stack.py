"""The local stack for the tiers that drive it over HTTP (tests/e2e, tests/browser): the stack `make run` starts
(emulator + sam deploy of template.yaml), once per test session on a free port, shared by both tiers.

tests/conftest.py registers these fixtures, so one session that runs both tiers deploys one stack.
"""

from __future__ import annotations

import os

import pytest
import requests


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory):
    # The in-process moto tests must never see the emulator's endpoint.
    assert "AWS_ENDPOINT_URL" not in os.environ
    # Its own state file and build directory: a `make run` (or another test run) may be up meanwhile.
    own = tmp_path_factory.mktemp("stack")
    from boxoffice_dev.emulator import free_port
    from boxoffice_dev.local_stack import LocalStack

    with LocalStack(port=free_port(), quiet=True, state_file=own / "stack.json", build_dir=own / "sam") as stack:
        yield stack


class Api:
    """HTTP to the local stack's API, as a client would speak it."""

    def __init__(self, stack):
        self.stack = stack
        self.session = requests.Session()
        self._tokens: dict[tuple, str] = {}

    def token(self, name: str, organizer: bool = False) -> str:
        key = (name, organizer)
        if key not in self._tokens:
            self._tokens[key] = self.stack.token(name, ["organizers"] if organizer else [])
        return self._tokens[key]

    def expiring_token(self, name: str, seconds: int = 1, organizer: bool = False) -> str:
        """A genuine token of the stack's user pool that expires after `seconds`, from a test-only app client.

        AWS's shortest ID token lives 5 minutes; the emulator honours shorter ones, which lets a
        test hold a correctly signed token that has really expired.
        """
        idp = self.stack.client("cognito-idp")
        pool = self.stack.outputs["UserPoolId"]
        client_id = idp.create_user_pool_client(
            UserPoolId=pool,
            ClientName=f"expiring-{name}",
            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            IdTokenValidity=seconds,
            TokenValidityUnits={"IdToken": "seconds"},
        )["UserPoolClient"]["ClientId"]
        self.token(name, organizer=organizer)  # creates the user, in the groups asked for
        from boxoffice_dev.tokens import _password

        result = idp.admin_initiate_auth(
            UserPoolId=pool,
            ClientId=client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": name, "PASSWORD": _password(name)},
        )
        return result["AuthenticationResult"]["IdToken"]

    def call(self, method: str, path: str, token: str | None = None, json=None, headers=None, **kwargs):
        hdrs = dict(headers or {})
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        return self.session.request(method, self.stack.url + path, json=json, headers=hdrs, timeout=30, **kwargs)

    def wait_for(self, condition, what: str, timeout: float = 90.0):
        return self.stack.wait_for(condition, timeout=timeout, what=what)


@pytest.fixture(scope="session")
def api(local_stack) -> Api:
    return Api(local_stack)


def stored_bookings(stack, performance_id: str) -> list[dict]:
    """Every booking of a performance as the BookingsTable holds it (the truth), read consistently."""
    from boto3.dynamodb.types import TypeDeserializer

    plain = TypeDeserializer().deserialize
    ddb = stack.client("dynamodb")
    args = {
        "TableName": stack.resources["BookingsTable"],
        "KeyConditionExpression": "pk = :p AND begins_with(sk, :b)",
        "ExpressionAttributeValues": {":p": {"S": f"PERF#{performance_id}"}, ":b": {"S": "BOOKING#"}},
        "ConsistentRead": True,
    }
    out = []
    while True:
        page = ddb.query(**args)
        for item in page["Items"]:
            booking = {k: plain(v) for k, v in item.items()}
            booking["quantity"] = int(booking["quantity"])
            booking.setdefault("cancelReason", None)
            out.append(booking)
        if "LastEvaluatedKey" not in page:
            return out
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]
