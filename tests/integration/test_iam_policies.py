"""Least privilege, read from template.yaml: each function's policy reaches exactly what its code uses.

EXPECTED says, per function, which (action, resource) pairs its code needs - a resource is a logical id
of template.yaml, or "<Table>/index/<Index>" for a secondary index. The template must grant exactly
that: nothing more (no other table, index, bus or queue, no wildcard action or resource, no SAM policy
template or managed policy that could hide one), nothing less. A function's environment may only name
resources its policy covers.

EXPECTED is checked against the code too: every handler runs in moto through the real chain while each
AWS call it makes is recorded, and every recorded call must be in EXPECTED.

(The roles SAM adds on its own - the basic execution role, X-Ray, and for each event source the
permission to read that stream or queue - are not in `Policies` and are outside this check.)
"""

from __future__ import annotations

import json
from collections import defaultdict

import botocore.client
import pytest

from tests import template
from tests.api_events import CUSTOMER, ORGANIZER, OTHER_ORGANIZER
from tests.helpers import book, future, register
from tests.integration._support import breaker_reset_time_passes, expire_hold_now
from tests.stack import call_api

IDEMPOTENCY = {(f"dynamodb:{a}", "IdempotencyTable") for a in ("GetItem", "PutItem", "UpdateItem", "DeleteItem")}


def _ddb(table: str, *actions: str) -> set[tuple[str, str]]:
    return {(f"dynamodb:{a}", table) for a in actions}


PAYMENT_KEY = {("secretsmanager:GetSecretValue", "PaymentSecret")}

EXPECTED: dict[str, set[tuple[str, str]]] = {
    # insert: one transaction of Put (performance) + Put (outbox event)
    "RegisterPerformanceFunction": _ddb("PerformancesTable", "PutItem") | IDEMPOTENCY,
    # get, then a transaction of Update (status) + Put (outbox event)
    "CancelPerformanceFunction": _ddb("PerformancesTable", "GetItem", "PutItem", "UpdateItem"),
    "PerformanceQueriesFunction": _ddb("PerformancesTable", "GetItem")
    | _ddb("PerformancesTable/index/ByStartsAt", "Query"),
    # inventory get, then Update (seats) + Update (the customer's count) + Put (booking) + Put (ref) + Put (outbox
    # event); then the payment: the breaker's item (Get, Update), the booking's moves, and the provider's key. Never
    # PerformancesTable.
    "BookTicketFunction": _ddb("BookingsTable", "GetItem", "PutItem", "UpdateItem") | IDEMPOTENCY | PAYMENT_KEY,
    # ref and booking gets, then Update (booking) + Put (outbox event) + Update (seats back)
    "CancelBookingFunction": _ddb("BookingsTable", "GetItem", "PutItem", "UpdateItem") | IDEMPOTENCY,
    "BookingQueriesFunction": _ddb("StatusViewTable", "GetItem")
    | _ddb("StatusViewTable/index/ByCustomer", "Query")
    | _ddb("StatusViewTable/index/ByPerformance", "Query"),
    "StreamPublisherFunction": {("events:PutEvents", "EventBus"), ("events:DescribeEventBus", "EventBus")},
    "InventoryProjectorFunction": _ddb("BookingsTable", "UpdateItem"),
    # close inventory (Update), page the bookings (Query on the table), cancel them (Update + Put outbox)
    "CancellationFunction": _ddb("BookingsTable", "Query", "PutItem", "UpdateItem"),
    # the bookings' markers read in one go, then markers (Put) + the counts (Update) in one transaction
    "HeadcountFunction": _ddb("PerformancesTable", "BatchGetItem", "PutItem", "UpdateItem"),
    "StatusViewProjectorFunction": _ddb("StatusViewTable", "GetItem", "PutItem", "UpdateItem"),
    "OrganizerRequestsFunction": _ddb("PerformancesTable", "GetItem", "PutItem", "UpdateItem")
    | {("sqs:SendMessage", "OrganizerRequestsDLQ")},
    # the booking and the breaker read and moved, the provider's key
    "PaymentRetryFunction": _ddb("BookingsTable", "GetItem", "PutItem", "UpdateItem") | PAYMENT_KEY,
    "RefundsFunction": _ddb("BookingsTable", "GetItem", "PutItem", "UpdateItem") | PAYMENT_KEY,
    # the holds that ran out (the index), then as the retry does
    "HoldExpiryFunction": _ddb("BookingsTable", "GetItem", "PutItem", "UpdateItem")
    | _ddb("BookingsTable/index/ByHoldExpiry", "Query")
    | PAYMENT_KEY,
    # a match's teams (Update); the bookings' markers read in one go, then markers (Put) + counts (Update)
    "TallyFunction": _ddb("TallyTable", "BatchGetItem", "PutItem", "UpdateItem"),
    "TallyQueriesFunction": _ddb("TallyTable", "Query"),
}

# Which of a resource's names a function may be handed in its environment.
ENV_KINDS = ("AWS::DynamoDB::Table", "AWS::Events::EventBus", "AWS::SQS::Queue", "AWS::SecretsManager::Secret")


class Wildcard(AssertionError):
    pass


def _resource_id(value) -> str:
    """A statement's Resource as a logical id ("T" or "T/index/I"); fails on anything it cannot pin down."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        kind = template.resources().get(value["Ref"], {}).get("Type")
        assert kind == "AWS::SecretsManager::Secret", f"a Ref names an ARN only for a secret, not {value}"
        return value["Ref"]
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        logical, attr = value["Fn::GetAtt"]
        assert attr == "Arn", f"unexpected attribute {value}"
        return logical
    if isinstance(value, dict) and "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
        text = value["Fn::Sub"]
        if "*" in text:
            raise Wildcard(f"wildcard resource {text!r}")
        prefix, sep, rest = text.partition(".Arn}")
        assert prefix.startswith("${"), f"cannot read resource {text!r}"
        assert sep, f"cannot read resource {text!r}"
        return prefix[2:] + rest
    if isinstance(value, str) and "*" in value:
        raise Wildcard(f"wildcard resource {value!r}")
    raise AssertionError(f"resource {value!r} is not a reference to a resource of this template")


def granted(function: str) -> set[tuple[str, str]]:
    """The (action, resource) pairs the template's `Policies` give `function`."""
    props = template.functions()[function]
    out = set()
    for policy in props.get("Policies", []):
        assert isinstance(policy, dict), policy
        assert set(policy) == {"Statement"}, (
            f"{function}: only inline statements are allowed (a SAM policy template or managed policy can hide "
            f"a wide grant): {policy!r}"
        )
        statements = policy["Statement"]
        for statement in statements if isinstance(statements, list) else [statements]:
            assert statement.get("Effect") == "Allow", f"{function}: {statement}"
            assert "NotAction" not in statement, f"{function}: {statement}"
            assert "NotResource" not in statement, f"{function}: {statement}"
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for action in actions:
                if "*" in action:
                    raise Wildcard(f"{function}: wildcard action {action!r}")
                for resource in resources:
                    out.add((action, _resource_id(resource)))
    return out


FUNCTIONS = sorted(template.functions())


def test_every_function_has_an_expected_policy():
    assert set(EXPECTED) == set(FUNCTIONS)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_policy_grants_exactly_what_the_code_needs(function):
    grants = granted(function)
    extra, missing = grants - EXPECTED[function], EXPECTED[function] - grants
    assert not extra, f"{function} may do more than it needs: {sorted(extra)}"
    assert not missing, f"{function} lacks what its code does: {sorted(missing)}"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_policy_never_reaches_another_contexts_table(function):
    """A context reads and writes only its own table (DESIGN 1); the shared idempotency table aside."""
    tables = {r.split("/")[0] for _, r in granted(function) if r.endswith("Table") or "/index/" in r} - {
        "IdempotencyTable"
    }
    assert len(tables) <= 1, f"{function} reaches {sorted(tables)}"
    if function in ("BookTicketFunction", "CancelBookingFunction"):
        assert tables == {"BookingsTable"}  # booking never depends on performance management


@pytest.mark.parametrize("function", FUNCTIONS)
def test_environment_names_only_resources_the_policy_covers(function):
    kinds = {name: r["Type"] for name, r in template.resources().items()}
    covered = {r.split("/")[0] for _, r in granted(function)}
    for var, value in template.functions()[function]["Environment"]["Variables"].items():
        refs = _refs(value)
        for ref in refs:
            if kinds.get(ref) in ENV_KINDS:
                assert ref in covered, f"{function}: {var} names {ref}, which its policy does not cover"


def _refs(value) -> set[str]:
    if isinstance(value, dict):
        if "Ref" in value:
            return {value["Ref"]}
        if "Fn::GetAtt" in value:
            return {value["Fn::GetAtt"][0]}
        return set().union(*(_refs(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_refs(v) for v in value)) if value else set()
    return set()


@pytest.mark.parametrize(
    ("statement", "why"),
    [
        (
            {"Effect": "Allow", "Action": ["dynamodb:*"], "Resource": {"Fn::GetAtt": ["BookingsTable", "Arn"]}},
            "wildcard action",
        ),
        ({"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": "*"}, "wildcard resource"),
        (
            {"Effect": "Allow", "Action": ["dynamodb:Query"], "Resource": {"Fn::Sub": "${BookingsTable.Arn}/index/*"}},
            "wildcard index",
        ),
    ],
)
def test_the_checker_refuses_wildcards(monkeypatch, statement, why):
    functions = template.functions()
    patched = {
        **functions,
        "BookTicketFunction": {**functions["BookTicketFunction"], "Policies": [{"Statement": [statement]}]},
    }
    monkeypatch.setattr(template, "functions", lambda: patched)
    with pytest.raises(Wildcard):
        granted("BookTicketFunction")


def test_the_checker_catches_a_reach_into_another_table(monkeypatch):
    functions = template.functions()
    book = functions["BookTicketFunction"]
    widened = [
        *book["Policies"],
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["dynamodb:GetItem"],
                    "Resource": {"Fn::GetAtt": ["PerformancesTable", "Arn"]},
                }
            ]
        },
    ]
    monkeypatch.setattr(
        template, "functions", lambda: {**functions, "BookTicketFunction": {**book, "Policies": widened}}
    )
    assert ("dynamodb:GetItem", "PerformancesTable") in granted("BookTicketFunction") - EXPECTED["BookTicketFunction"]


# ------------------------------------------------------------------ EXPECTED against what the code really calls
_TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}


def _calls(service: str, operation: str, params: dict, names: dict[str, str]) -> set[tuple[str, str]]:
    """The (action, logical resource) pairs one AWS API call needs."""

    def table(name: str, index: str | None = None) -> str:
        logical = names.get(name, f"?{name}")
        return f"{logical}/index/{index}" if index else logical

    if service == "dynamodb":
        if operation == "TransactWriteItems":
            return {
                (f"dynamodb:{_TRANSACT[kind]}", table(body["TableName"]))
                for item in params["TransactItems"]
                for kind, body in item.items()
            }
        if operation in ("BatchWriteItem", "BatchGetItem"):
            return {(f"dynamodb:{operation}", table(t)) for t in params["RequestItems"]}
        return {(f"dynamodb:{operation}", table(params["TableName"], params.get("IndexName")))}
    if service == "events" and operation == "PutEvents":
        return {
            ("events:PutEvents", names.get(e.get("EventBusName", "default"), "?default bus")) for e in params["Entries"]
        }
    if service == "events" and operation == "DescribeEventBus":
        return {("events:DescribeEventBus", names.get(params.get("Name", "default"), "?default bus"))}
    if service == "secretsmanager":
        return {(f"secretsmanager:{operation}", names.get(params.get("SecretId"), f"?{params.get('SecretId')}"))}
    if service == "sqs":
        return {(f"sqs:{operation}", names.get(params.get("QueueUrl"), f"?{params.get('QueueUrl')}"))}
    return {(f"{service}:{operation}", "?")}


def test_the_code_calls_only_what_expected_allows(stack, provider, monkeypatch):
    names = {v: k for k, v in stack.names.items() if k in template.resources()}
    seen: dict[str, set] = defaultdict(set)
    current: list[str] = []

    real_call = botocore.client.BaseClient._make_api_call

    def recording(client, operation, params):
        if current:
            seen[current[-1]] |= _calls(client.meta.service_model.service_name, operation, params, names)
        return real_call(client, operation, params)

    real_invoke = type(stack).invoke

    def invoke(self, function, event, context=None):
        current.append(function)
        try:
            return real_invoke(self, function, event, context)
        finally:
            current.pop()

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    monkeypatch.setattr(type(stack), "invoke", invoke)

    # Every function, through its entry point and the chain: the core flow with Idempotency-Keys ...
    status, perf = call_api(
        stack,
        "POST",
        "/performances",
        {"title": "IAM", "venue": "Hall", "startsAt": future(), "capacity": 10},
        claims=ORGANIZER,
        headers={"Idempotency-Key": "iam-1"},
    )
    assert status == 201, perf
    pid = perf["performanceId"]
    stack.settle()
    assert call_api(stack, "GET", "/performances")[0] == 200
    assert call_api(stack, "GET", f"/performances/{pid}")[0] == 200
    status, booking = call_api(
        stack,
        "POST",
        "/bookings",
        {"performanceId": pid, "quantity": 2},
        claims=CUSTOMER,
        headers={"Idempotency-Key": "iam-2"},
    )
    assert status == 201, booking
    call_api(stack, "POST", "/bookings", {"performanceId": pid, "quantity": 1}, claims=CUSTOMER)
    stack.settle()
    assert call_api(stack, "GET", "/bookings", claims=CUSTOMER)[0] == 200
    assert call_api(stack, "GET", f"/bookings/{booking['bookingId']}", claims=CUSTOMER)[0] == 200
    assert call_api(stack, "GET", f"/performances/{pid}/bookings", claims=ORGANIZER)[0] == 200
    assert (
        call_api(
            stack,
            "POST",
            f"/bookings/{booking['bookingId']}/cancel",
            claims=CUSTOMER,
            headers={"Idempotency-Key": "iam-3"},
        )[0]
        == 200
    )
    stack.settle()
    assert call_api(stack, "POST", f"/performances/{pid}/cancel", claims=ORGANIZER)[0] == 200
    stack.settle()
    # ... a paid booking made while the provider is away, settled by the retry, cancelled and refunded; and one
    # whose hold runs out ...
    paid = register(stack, grades=[{"grade": "R", "price": 1000, "seats": 10}])["performanceId"]
    provider.down = True
    status, pending = book(stack, paid, 1, payment_method="pm_card_visa", headers={"Idempotency-Key": "iam-4"})
    assert status == 202, pending
    status, doomed = book(stack, paid, 1, payment_method="pm_card_visa")
    assert status == 202, doomed
    stack.settle()
    provider.down = False
    breaker_reset_time_passes(stack)
    stack.redrive_all()
    stack.settle()
    assert call_api(stack, "GET", f"/bookings/{pending['bookingId']}", claims=CUSTOMER)[1]["status"] == "CONFIRMED"
    assert call_api(stack, "POST", f"/bookings/{pending['bookingId']}/cancel", claims=CUSTOMER)[0] == 200
    stack.settle()
    assert provider.refunds
    provider.down = True
    status, late = book(stack, paid, 1, payment_method="pm_card_visa")
    expire_hold_now(stack, late)
    provider.down = False
    stack.settle()
    # ... a match: a ticket with a stake, its tally, its cancellation ...
    match = register(stack, teams=["두산 베어스", "LG 트윈스"])["performanceId"]
    status, ticket = book(stack, match, 2, team="LG 트윈스", stake=5000, payment_method="pm_card_visa")
    assert status == 201, ticket
    stack.settle()
    assert call_api(stack, "GET", f"/performances/{match}/tally")[1]["teams"][1]["stake"] == 5000
    assert call_api(stack, "POST", f"/bookings/{ticket['bookingId']}/cancel", claims=CUSTOMER)[0] == 200
    stack.settle()
    # ... and an organizer system's requests, one applied and one parked.
    status, other = call_api(
        stack,
        "POST",
        "/performances",
        {"title": "IAM 2", "venue": "Hall", "startsAt": future(), "capacity": 10},
        claims=ORGANIZER,
    )
    stack.settle()
    for organizer in (OTHER_ORGANIZER, ORGANIZER):
        stack.events.put_events(
            Entries=[
                {
                    "Source": "boxoffice.organizers",
                    "DetailType": "CancelPerformanceRequested",
                    "EventBusName": stack.names["EventBus"],
                    "Detail": json.dumps(
                        {"performanceId": other["performanceId"], "organizerId": organizer["sub"], "reason": "iam"}
                    ),
                }
            ]
        )
    stack.settle()
    assert call_api(stack, "GET", f"/performances/{other['performanceId']}")[1]["status"] == "CANCELLED"

    assert set(seen) == set(FUNCTIONS), f"not exercised: {sorted(set(FUNCTIONS) - set(seen))}"
    # ... and every consumer did its work (a call this recording could not read would have failed it).
    parked = {q: stack.visible(q) for q in template.resources("AWS::SQS::Queue") if q.endswith("DLQ")}
    assert parked == dict.fromkeys(parked, 0) | {"OrganizerRequestsDLQ": 1}, parked
    for function, calls in sorted(seen.items()):
        assert calls <= EXPECTED[function], f"{function} called {sorted(calls - EXPECTED[function])}, not in EXPECTED"
