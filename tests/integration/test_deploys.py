"""Operating Boxoffice, checked offline: gradual deploys of the API functions with a pre-traffic check and rollback on
alarms, sale-day capacity, the configuration per environment, and the dashboard. The template is read as written and
as SAM transforms it for prod (what CloudFormation gets there); the pre-traffic hook runs against the real functions
in moto."""

from __future__ import annotations

import json
import re
import subprocess
import tomllib

import pytest

from boxoffice.deploys import pre_traffic
from boxoffice.handlers import pre_traffic as hook
from tests import template
from tests.integration._support import FakeDeployClients

API_FUNCTIONS = sorted(
    f for f, p in template.functions().items() if any(e["Type"] == "Api" for e in p.get("Events", {}).values())
)
CONSUMERS = sorted(set(template.functions()) - set(API_FUNCTIONS) - {"PreTrafficHookFunction"})
ROLLBACK_ALARMS = {"ApiServerErrorsAlarm", "BookingLatencyAlarm", "DeadLettersAlarm", "PaymentBreakerOpenAlarm"}


def _prod() -> dict[str, dict]:
    return template.transformed(template.PROD)["Resources"]


def _of_type(resources: dict, kind: str) -> dict[str, dict]:
    return {n: r for n, r in resources.items() if r["Type"] == kind}


def _refs(value) -> set[str]:
    if isinstance(value, dict):
        ref = value.get("Ref")
        found = {ref} if isinstance(ref, str) and not ref.startswith("AWS::") else set()
        return found.union(*(_refs(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_refs(v) for v in value)) if value else set()
    return set()


# ------------------------------------------------------------------ gradual deploys
def test_on_prod_every_api_function_and_only_they_shift_traffic_gradually_and_roll_back_on_the_alarms():
    resources = _prod()
    groups = _of_type(resources, "AWS::CodeDeploy::DeploymentGroup")
    assert sorted(g.removesuffix("DeploymentGroup") for g in groups) == API_FUNCTIONS
    for name, group in groups.items():
        props = group["Properties"]
        assert props["DeploymentConfigName"]["Fn::Sub"][1] == {"ConfigName": "Canary10Percent5Minutes"}, name
        assert {"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"} <= set(props["AutoRollbackConfiguration"]["Events"])
        assert props["AlarmConfiguration"]["Enabled"] is True
        assert _refs(props["AlarmConfiguration"]["Alarms"]) == ROLLBACK_ALARMS, name
        assert props["ServiceRoleArn"]["Fn::If"][1] == {"Fn::GetAtt": ["CodeDeployRole", "Arn"]}
        alias = resources[f"{name.removesuffix('DeploymentGroup')}Aliaslive"]
        hook_ref = alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]["BeforeAllowTrafficHook"]
        assert _refs(hook_ref) == {"PreTrafficHookFunction"}
    # SAM makes no CodeDeploy role of its own (it would carry an AWS managed policy): ours is used.
    assert set(_of_type(resources, "AWS::IAM::Role")) & {"CodeDeployServiceRole"} == set()


def test_every_function_runs_as_its_alias_and_consumers_keep_their_mappings_on_it():
    resources = _prod()
    aliases = {r["Properties"]["FunctionName"]["Ref"] for r in _of_type(resources, "AWS::Lambda::Alias").values()}
    assert aliases == set(template.functions())
    for name, mapping in _of_type(resources, "AWS::Lambda::EventSourceMapping").items():
        assert mapping["Properties"]["FunctionName"]["Ref"].endswith("Aliaslive"), name
    for name, permission in _of_type(resources, "AWS::Lambda::Permission").items():
        if name.endswith("Permission") and "Api" in json.dumps(permission):
            assert "Aliaslive" in json.dumps(permission["Properties"]["FunctionName"]), name


def test_locally_and_by_default_nothing_needs_codedeploy():
    resources = template.transformed(template.DEV)["Resources"]  # the defaults: what the local emulator transforms
    assert not _of_type(resources, "AWS::CodeDeploy::DeploymentGroup")
    assert not _of_type(resources, "AWS::CodeDeploy::Application")
    for name in ("PreTrafficHookFunction", "CodeDeployRole"):
        assert template.resources()[name]["Condition"] == "DeploysGradually"
    assert template.load()["Conditions"]["DeploysGradually"]["Fn::And"][0] == {"Condition": "IsAws"}


def test_what_cloudformation_gets_on_prod_is_valid(tmp_path):
    path = tmp_path / "prod.json"
    path.write_text(json.dumps(template.transformed(template.PROD)))
    # W2001: DeployType is consumed by SAM's transform, so CloudFormation never reads it.
    lint = subprocess.run(
        [str(template.ROOT / ".venvs/sam/bin/cfn-lint"), str(path), "--ignore-checks", "W2001"],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_the_hook_checks_exactly_the_api_functions_new_versions():
    props = template.functions()["PreTrafficHookFunction"]
    variables = props["Environment"]["Variables"]
    checked = {c.env: f"{c.function}Function.Version" for c in pre_traffic.CHECKS}
    assert {k: v["Ref"] for k, v in variables.items() if k in checked} == checked
    assert sorted(f"{c.function}Function" for c in pre_traffic.CHECKS) == API_FUNCTIONS


def test_every_new_version_passes_the_pre_traffic_checks_and_the_deployment_goes_on(stack, monkeypatch):
    aws = FakeDeployClients(stack, hook.config.client)
    monkeypatch.setattr(hook.config, "client", aws.client)
    event = {"DeploymentId": "d-TEST12345", "LifecycleEventHookExecutionId": "hook-1"}
    stack.invoke("PreTrafficHookFunction", event)
    invoked = sorted(a.split(":")[6] for a in aws.invoked)
    assert invoked == API_FUNCTIONS  # each new version once, by its version ARN
    assert all(a.endswith(":1") for a in aws.invoked)
    assert aws.verdicts == [
        {"deploymentId": "d-TEST12345", "lifecycleEventHookExecutionId": "hook-1", "status": "Succeeded"}
    ]
    assert stack.table("BookingsTable").scan()["Items"] == []  # the checks wrote nothing
    assert stack.table("PerformancesTable").scan()["Items"] == []


@pytest.mark.parametrize(
    ("function", "variables"),
    [
        ("BookTicketFunction", {"BOOKINGS_TABLE": "boxoffice-no-such-table"}),  # answers 500
        ("TallyQueriesFunction", {"TALLY_TABLE": ""}),  # raises before it can answer
    ],
)
def test_a_broken_new_version_fails_the_deployment_before_any_traffic_moves(stack, monkeypatch, function, variables):
    aws = FakeDeployClients(stack, hook.config.client)
    monkeypatch.setattr(hook.config, "client", aws.client)
    stack.misconfigured[function] = variables
    stack.invoke("PreTrafficHookFunction", {"DeploymentId": "d-X", "LifecycleEventHookExecutionId": "h"})
    assert [v["status"] for v in aws.verdicts] == ["Failed"]
    failures = pre_traffic.run(hook._invoke, _versions(stack))
    assert len(failures) == 1
    assert failures[0].startswith(function.removesuffix("Function"))


def _versions(stack) -> dict[str, str]:
    env = stack.environment("PreTrafficHookFunction")
    return {c.env: env[c.env] for c in pre_traffic.CHECKS}


def test_a_check_fails_on_the_wrong_status_or_code_and_passes_on_the_right_one():
    check = pre_traffic.CHECKS[3]  # BookTicket: 404 PERFORMANCE_NOT_FOUND
    assert pre_traffic.failure(check, {"statusCode": 404, "body": '{"code": "PERFORMANCE_NOT_FOUND"}'}) is None
    assert pre_traffic.failure(check, {"statusCode": 404, "body": '{"code": "NOT_FOUND"}'})
    assert pre_traffic.failure(check, {"statusCode": 502, "body": "Bad Gateway"})
    assert pre_traffic.failure(check, {"errorMessage": "Task timed out"})


# ------------------------------------------------------------------ sale-day capacity
def test_booking_is_provisioned_for_a_sale_and_other_api_functions_start_from_snapshots():
    functions = template.functions()
    book = functions["BookTicketFunction"]
    assert "SnapStart" not in book  # AWS allows provisioned concurrency or SnapStart on a version, not both
    assert book["ProvisionedConcurrencyConfig"]["Fn::If"][0] == "HasBookingProvisionedConcurrency"
    for name in set(API_FUNCTIONS) - {"BookTicketFunction"}:
        assert functions[name]["SnapStart"] == {"ApplyOn": "PublishedVersions"}, name
        assert "ProvisionedConcurrencyConfig" not in functions[name]
    target = template.resources()["BookTicketScalableTarget"]
    assert target["Condition"] == "ScalesForSales"
    props = target["Properties"]
    assert props["ResourceId"] == {"Fn::Sub": "function:boxoffice-${Stage}-BookTicket:live"}
    actions = {a["ScheduledActionName"]: a for a in props["ScheduledActions"]}
    assert actions["sale-starts"]["ScalableTargetAction"]["MinCapacity"] == {"Ref": "SaleProvisionedConcurrency"}
    assert actions["sale-ends"]["ScalableTargetAction"]["MinCapacity"] == {"Ref": "BookingProvisionedConcurrency"}
    assert actions["sale-starts"]["Schedule"] == {"Ref": "SaleStartsSchedule"}


def test_every_consumer_has_its_concurrency_reserved_and_its_queue_mapping_capped_to_it():
    for name in CONSUMERS:
        props = template.functions()[name]
        assert props["ReservedConcurrentExecutions"] == {"Ref": "ConsumerConcurrency"}, name
        assert props["DeploymentPreference"] == {"Enabled": False}, name
        for source in props["Events"].values():
            if source["Type"] == "SQS":
                assert source["Properties"]["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "ConsumerConcurrency"}}
    for name in API_FUNCTIONS:
        assert "ReservedConcurrentExecutions" not in template.functions()[name]  # the stage's throttle guards them


def test_the_api_stage_is_throttled_from_parameters():
    [setting] = template.resources()["BoxofficeApi"]["Properties"]["MethodSettings"]
    assert (setting["ResourcePath"], setting["HttpMethod"]) == ("/*", "*")
    assert setting["ThrottlingRateLimit"] == {"Ref": "ApiRateLimit"}
    assert setting["ThrottlingBurstLimit"] == {"Ref": "ApiBurstLimit"}


# ------------------------------------------------------------------ configuration per environment
DIFFERS = (
    "Stage", "LogLevel", "LogRetentionDays", "GradualDeploys", "DeployType", "BookingProvisionedConcurrency",
    "SaleProvisionedConcurrency", "ConsumerConcurrency", "ApiRateLimit", "ApiBurstLimit", "HoldMinutes",
    "BreakerFailures", "BreakerResetSeconds", "MaxReceiveCount", "ConsumerRetrySeconds", "Api5xxRate",
    "BookingP99Millis",
)  # fmt: skip


def _overrides(env: str) -> dict[str, str]:
    config = tomllib.loads((template.ROOT / "samconfig.toml").read_text())
    raw = config[env]["deploy"]["parameters"]["parameter_overrides"]
    return dict(pair.split("=", 1) for pair in raw.split())


@pytest.mark.parametrize("env", ["dev", "prod", "local"])
def test_each_environment_names_every_parameter_that_differs(env):
    overrides = _overrides(env)
    assert set(DIFFERS) <= set(overrides), sorted(set(DIFFERS) - set(overrides))
    assert set(overrides) <= set(template.load()["Parameters"])
    assert not {k for k in overrides if re.search("secret|key|password", k, re.I)}  # secrets live in Secrets Manager


def test_prod_deploys_gradually_with_capacity_for_a_sale_and_local_needs_nothing_the_emulator_lacks():
    prod, dev, local = _overrides("prod"), _overrides("dev"), _overrides("local")
    assert prod["DeployType"].startswith(("Canary", "Linear"))
    assert dev["DeployType"] == "AllAtOnce"
    assert (prod["GradualDeploys"], dev["GradualDeploys"], local["GradualDeploys"]) == ("true", "true", "false")
    assert int(prod["SaleProvisionedConcurrency"]) > int(prod["BookingProvisionedConcurrency"]) > 0
    assert int(local["ApiBurstLimit"]) >= 1000  # the emulator enforces the throttle: above any local load


# ------------------------------------------------------------------ the dashboard and the alarms
def _dashboard() -> dict:
    body = template.resources()["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    return json.loads(re.sub(r"\$\{([^}]+)\}", lambda m: f"<{m[1]}>", body))


def test_the_dashboard_shows_what_a_sale_day_needs_for_every_consumer_and_function():
    widgets = {w["properties"]["title"]: w["properties"]["metrics"] for w in _dashboard()["widgets"]}
    text = json.dumps(widgets)
    for title in ("Sales per minute", "Booking latency (POST /bookings)", "Queue depth per consumer",
                  "Oldest message age per consumer (s)", "Dead-letter queues (messages parked)",
                  "Payment circuit breaker (1 = open)", "Errors per function"):  # fmt: skip
        assert title in widgets, title
    assert {"TicketsBooked", "SoldOut"} <= {m[1] for m in widgets["Sales per minute"]}
    assert {m[-1]["stat"] for m in widgets["Booking latency (POST /bookings)"]} == {"p50", "p99"}
    queues = template.resources("AWS::SQS::Queue")
    for queue in queues:
        assert f"<{queue}.QueueName>" in text, f"{queue} is not on the dashboard"
    for function in template.functions():
        if function != "PreTrafficHookFunction":
            name = function.removesuffix("Function")
            assert f"boxoffice-<Stage>-{name}" in json.dumps(widgets["Errors per function"]), function


def test_every_dead_letter_queue_has_an_alarm_and_the_deploy_alarm_covers_them_all():
    alarms = template.resources("AWS::CloudWatch::Alarm")
    parked = {
        a["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]: name
        for name, a in alarms.items()
        if a["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
    }
    dead_letters = {q for q in template.resources("AWS::SQS::Queue") if q.endswith("DLQ")} | {"PublisherFailuresQueue"}
    assert set(parked) == dead_letters
    rule = template.resources()["DeadLettersAlarm"]["Properties"]["AlarmRule"]["Fn::Sub"]
    assert set(re.findall(r'ALARM\("\$\{(\w+)\}"\)', rule)) == set(parked.values())
