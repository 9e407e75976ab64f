"""Least privilege, read from template.yaml: each function's role reaches exactly what its code and its wiring use.

EXPECTED says, per function, which (action, resource) pairs its code needs - a resource is a logical id
of template.yaml, "<Table>/index/<Index>" for a secondary index, "<Table>/stream" for a table's stream. Every
function has a role of its own, written out in the template (no SAM `Policies`: SAM would attach AWS managed
policies whose resource is "*"); the role must grant exactly EXPECTED plus what the function's wiring needs -
reading its own queue or stream, sending to its on-failure destination, writing its own log group, X-Ray -
nothing more (no other table, index, bus or queue, no wildcard action, no wildcard resource but X-Ray's), nothing
less. A function's environment may only name resources its role covers.

Every role of the template as `sam deploy` sends it (transformed by SAM's own translator) is checked too: no
managed policy, one service may assume it, no wildcard but X-Ray's.

EXPECTED is checked against the code too: every handler runs in moto through the real chain while each
AWS call it makes is recorded, and every recorded call must be in EXPECTED.
"""

from __future__ import annotations

import copy
import json
import re
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
API_FUNCTIONS = sorted(
    f for f, p in template.functions().items() if any(e["Type"] == "Api" for e in p.get("Events", {}).values())
)
# The one wildcard beyond X-Ray's: SAM's deployment groups refer to the hook, so the hook's role cannot name them.
DEPLOYMENT_GROUPS = (
    "arn:${AWS::Partition}:codedeploy:${AWS::Region}:${AWS::AccountId}:"
    "deploymentgroup:${ServerlessDeploymentApplication}/*"
)
FUNCTION_ARN = re.compile(  # a function of this stack (or its alias), by the name the template gives it
    r"^arn:\$\{AWS::Partition\}:lambda:\$\{AWS::Region\}:\$\{AWS::AccountId\}:"
    r"function:boxoffice-\$\{Stage\}-(\w+)(:live)?$"
)
PUBLISHED_VERSION = re.compile(r"^(\w+Function)Version[0-9a-f]{10}$")  # how SAM names a version it publishes

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
    # each API function's new version, once; its verdict on one of this stack's deployment groups
    "PreTrafficHookFunction": {("lambda:InvokeFunction", f"{f}.Version") for f in API_FUNCTIONS}
    | {("codedeploy:PutLifecycleEventHookExecutionStatus", "ServerlessDeploymentApplication/*")},
}

# Which of a resource's names a function may be handed in its environment.
ENV_KINDS = ("AWS::DynamoDB::Table", "AWS::Events::EventBus", "AWS::SQS::Queue", "AWS::SecretsManager::Secret")


class Wildcard(AssertionError):
    pass


def _resource_id(value) -> str:
    """A statement's Resource as a logical id ("T" or "T/index/I"); fails on anything it cannot pin down."""
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"].endswith(".Version"):
        return value["Ref"]  # SAM's reference to the version it publishes ...
    if isinstance(value, dict) and set(value) == {"Ref"} and (m := PUBLISHED_VERSION.match(value["Ref"])):
        return f"{m[1]}.Version"  # ... and that version, once SAM has transformed the template
    if isinstance(value, dict) and value.get("Fn::Sub") == DEPLOYMENT_GROUPS:
        return "ServerlessDeploymentApplication/*"
    if (
        isinstance(value, dict)
        and isinstance(value.get("Fn::Sub"), str)
        and (m := FUNCTION_ARN.match(value["Fn::Sub"]))
    ):
        return f"{m[1]}Function{m[2] or ''}"  # a function (or its alias) of this stack, by the name it is given
    if isinstance(value, dict) and set(value) == {"Ref"}:
        kind = template.resources().get(value["Ref"], {}).get("Type")
        assert kind == "AWS::SecretsManager::Secret", f"a Ref names an ARN only for a secret, not {value}"
        return value["Ref"]
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        logical, attr = value["Fn::GetAtt"]
        assert attr in ("Arn", "StreamArn"), f"unexpected attribute {value}"
        return logical if attr == "Arn" else f"{logical}/stream"
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


# Actions that take no resource but "*" (AWS's service authorization reference): the only wildcard allowed.
NO_RESOURCE_LEVEL = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
QUEUE_READ = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes")
STREAM_READ = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator")


def statement_grants(statement: dict, where: str) -> set[tuple[str, str]]:
    """The (action, resource) pairs one statement allows; refuses a wildcard (but X-Ray's "*"), Deny-less tricks."""
    assert statement.get("Effect") == "Allow", f"{where}: {statement}"
    assert "NotAction" not in statement, f"{where}: {statement}"
    assert "NotResource" not in statement, f"{where}: {statement}"
    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
    out = set()
    for action in actions:
        if "*" in action:
            raise Wildcard(f"{where}: wildcard action {action!r}")
        for resource in resources:
            if resource == "*" and action in NO_RESOURCE_LEVEL:
                out.add((action, "*"))
            else:
                out.add((action, _resource_id(resource)))
    return out


def role_of(function: str) -> str:
    """The logical id of the function's role: every function names its own."""
    props = template.functions()[function]
    assert "Policies" not in props, f"{function}: SAM Policies make a role with AWS managed policies; name a Role"
    role = props.get("Role")
    assert isinstance(role, dict), f"{function}: no Role of the template's own"
    assert "Fn::GetAtt" in role, f"{function}: no Role of the template's own"
    name, attr = role["Fn::GetAtt"]
    assert attr == "Arn"
    return name


def granted(function: str) -> set[tuple[str, str]]:
    """The (action, resource) pairs the function's role gives it."""
    role = template.resources()[role_of(function)]
    assert role["Type"] == "AWS::IAM::Role"
    assert "ManagedPolicyArns" not in role["Properties"], f"{function}: a managed policy can hide a wide grant"
    out = set()
    for policy in role["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            out |= statement_grants(statement, function)
    return out


def wiring(function: str) -> set[tuple[str, str]]:
    """What a function needs for its event sources and its logs, whatever its code does."""
    props = template.functions()[function]
    out = {("logs:CreateLogStream", f"{function}Logs"), ("logs:PutLogEvents", f"{function}Logs")}
    out |= (
        {(a, "*") for a in NO_RESOURCE_LEVEL}
        if template.load()["Globals"]["Function"]["Tracing"] == "Active"
        else set()
    )
    for source in props.get("Events", {}).values():
        p = source.get("Properties", {})
        if source["Type"] == "SQS":
            out |= {(a, p["Queue"]["Fn::GetAtt"][0]) for a in QUEUE_READ}
        if source["Type"] == "DynamoDB":
            out |= {(a, f"{p['Stream']['Fn::GetAtt'][0]}/stream") for a in STREAM_READ}
            failed_to = p.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
            if failed_to:
                out.add(("sqs:SendMessage", failed_to["Fn::GetAtt"][0]))
    return out


FUNCTIONS = sorted(template.functions())


def test_every_function_has_an_expected_policy():
    assert set(EXPECTED) == set(FUNCTIONS)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_policy_grants_exactly_what_the_code_needs(function):
    grants = granted(function)
    needed = EXPECTED[function] | wiring(function)
    extra, missing = grants - needed, needed - grants
    assert not extra, f"{function} may do more than it needs: {sorted(extra)}"
    assert not missing, f"{function} lacks what its code does: {sorted(missing)}"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_policy_never_reaches_another_contexts_table(function):
    """A context reads and writes only its own table (DESIGN 1); the shared idempotency table aside."""
    tables = {r.split("/")[0] for _, r in granted(function) - wiring(function) if r.split("/")[0].endswith("Table")}
    tables -= {"IdempotencyTable"}
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
    _with_statement(monkeypatch, "BookTicketFunction", statement)
    with pytest.raises(Wildcard):
        granted("BookTicketFunction")


def _with_statement(monkeypatch, function: str, statement: dict) -> None:
    """The template, with one more statement in the function's role."""
    resources = template.resources()
    name = role_of(function)
    role = copy.deepcopy(resources[name])
    role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].append(statement)
    _patch_resources(monkeypatch, {**resources, name: role})


def _patch_resources(monkeypatch, patched: dict) -> None:
    monkeypatch.setattr(
        template, "resources", lambda kind=None: {n: r for n, r in patched.items() if kind in (None, r["Type"])}
    )


def test_the_checker_catches_a_reach_into_another_table(monkeypatch):
    statement = {
        "Effect": "Allow",
        "Action": ["dynamodb:GetItem"],
        "Resource": {"Fn::GetAtt": ["PerformancesTable", "Arn"]},
    }
    _with_statement(monkeypatch, "BookTicketFunction", statement)
    assert ("dynamodb:GetItem", "PerformancesTable") in granted("BookTicketFunction") - EXPECTED["BookTicketFunction"]


def test_the_checker_refuses_a_managed_policy(monkeypatch):
    resources = template.resources()
    name = role_of("HeadcountFunction")
    role = copy.deepcopy(resources[name])
    role["Properties"]["ManagedPolicyArns"] = ["arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"]
    _patch_resources(monkeypatch, {**resources, name: role})
    with pytest.raises(AssertionError, match="managed policy"):
        granted("HeadcountFunction")


def test_each_function_has_a_role_of_its_own():
    roles = [role_of(f) for f in FUNCTIONS]
    assert len(set(roles)) == len(roles)
    assert set(roles) <= set(template.resources("AWS::IAM::Role"))


def _deployed_roles() -> dict[str, dict]:
    return {n: r for n, r in template.transformed()["Resources"].items() if r["Type"] == "AWS::IAM::Role"}


def test_every_role_sam_deploys_is_least_privilege():
    """What CloudFormation gets (SAM adds roles of its own for some features): every role, not just functions'."""
    roles = _deployed_roles()
    assert set(roles) >= {role_of(f) for f in FUNCTIONS}
    for name, role in roles.items():
        props = role["Properties"]
        assert not props.get("ManagedPolicyArns"), f"{name}: managed policies {props['ManagedPolicyArns']}"
        [trust] = props["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Effect"] == "Allow"
        assert trust["Action"] in ("sts:AssumeRole", ["sts:AssumeRole"]), name
        services = trust["Principal"]["Service"]
        assert isinstance(services, str) or len(services) == 1, f"{name}: assumed by {services}"
        for policy in props.get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                statement_grants(statement, name)  # raises on a wildcard
    others = {n: r["Type"] for n, r in template.transformed()["Resources"].items() if r["Type"] in IAM_POLICY_KINDS}
    assert others == {}, f"policies outside the roles: {others}"


IAM_POLICY_KINDS = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::User", "AWS::IAM::Group")


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

    # The pre-traffic hook calls Lambda (to invoke versions) and CodeDeploy, neither of which moto runs: its calls are
    # checked with fakes in test_deploys.py (the versions it invokes are exactly its environment's).
    exercised = set(FUNCTIONS) - {"PreTrafficHookFunction"}
    assert set(seen) == exercised, f"not exercised: {sorted(exercised - set(seen))}"
    # ... and every consumer did its work (a call this recording could not read would have failed it).
    parked = {q: stack.visible(q) for q in template.resources("AWS::SQS::Queue") if q.endswith("DLQ")}
    assert parked == dict.fromkeys(parked, 0) | {"OrganizerRequestsDLQ": 1}, parked
    for function, calls in sorted(seen.items()):
        assert calls <= EXPECTED[function], f"{function} called {sorted(calls - EXPECTED[function])}, not in EXPECTED"
