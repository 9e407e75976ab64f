"""Can each environment's CloudFormation execution role (pipeline/template.yaml) deploy template.yaml?

Offline, with SAM CLI's virtualenv (`make lint-ops`): template.yaml is expanded by aws-sam-translator, as
CloudFormation's SAM transform would, and for every resource type in it the actions CloudFormation's handlers
call to create, read, update and delete it are read from the resource schemas cfn-lint ships. Each of those
actions must be allowed by the stage's execution role, except the ones a handler calls only for a property the
template does not use (EXEMPT, each with the properties that would make it needed). Also: every managed policy
SAM attaches to a function role may be attached, every service a role is made for may be passed that role, and
every resource the template names itself is named boxoffice-<stage>..., inside what the role may touch.

It checks actions, not resources: whether a statement's ARNs match the names AWS will give is what the comments in
pipeline/template.yaml and tests/unit/test_pipeline.py hold; a real deploy is the final word (README, "Pipeline").
"""

from __future__ import annotations

import copy
import fnmatch
import glob
import json
import logging
import os
import sys
from pathlib import Path

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # the translator builds ARNs; no call is made

from cfnlint.decode import cfn_yaml
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "template.yaml"
PIPELINE = ROOT / "pipeline" / "template.yaml"
STAGES = ("dev", "prod")
SCHEMAS = Path(cfn_yaml.__file__).resolve().parents[1] / "data" / "schemas" / "resources"
# Every IAM action there is, as cfn-lint knows them: a handler may list one IAM has no such action for.
IAM_ACTIONS = Path(cfn_yaml.__file__).resolve().parents[1] / "data" / "AdditionalSpecs" / "Policies.json"

# Actions a handler calls only for a property: (action patterns, properties that would need them, why not granted).
EXEMPT: list[tuple[tuple[str, ...], tuple[str, ...], str]] = [
    (
        ("kms:*",),
        ("KmsKeyArn", "KMSMasterKeyId", "KmsMasterKeyId", "KmsKeyId", "KmsKeyIdentifier"),
        "no customer managed key: tables, queues, the secret, bus and pool use AWS owned or managed keys",
    ),
    (("ec2:*", "elasticfilesystem:*", "s3files:*"), ("VpcConfig", "FileSystemConfigs"), "no function in a VPC"),
    (("lambda:PassCapacityProvider",), ("CapacityProviderConfig",), "no Lambda managed instances"),
    (("lambda:GetLayerVersion",), ("Layers",), "no layers"),
    (
        (
            "lambda:GetCodeSigningConfig",
            "lambda:PutFunctionCodeSigningConfig",
            "lambda:DeleteFunctionCodeSigningConfig",
        ),
        ("CodeSigningConfigArn",),
        "no code signing",
    ),
    (
        (
            "kinesis:*",
            "dynamodb:EnableKinesisStreamingDestination",
            "dynamodb:DisableKinesisStreamingDestination",
            "dynamodb:UpdateKinesisStreamingDestination",
        ),
        ("KinesisStreamSpecification",),
        "tables stream to DynamoDB Streams, not Kinesis",
    ),
    (
        (
            "dynamodb:ImportTable",
            "dynamodb:DescribeImport",
            "dynamodb:BatchWriteItem",
            "dynamodb:PutItem",
            "dynamodb:GetItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:Query",
            "dynamodb:Scan",
            "s3:GetObject",
            "s3:GetObjectMetadata",
            "s3:ListBucket",
            "logs:*",
        ),
        ("ImportSourceSpecification",),
        "no table imported from S3",
    ),
    (
        ("dynamodb:AssociateTableReplica", "dynamodb:CreateTableReplica"),
        ("Replicas",),
        "no global tables",
    ),
    (("dynamodb:PutResourcePolicy", "dynamodb:DeleteResourcePolicy"), ("ResourcePolicy",), "no table policies"),
    (
        ("secretsmanager:ReplicateSecretToRegions", "secretsmanager:RemoveRegionsFromReplication"),
        ("ReplicaRegions",),
        "the secret is not replicated",
    ),
    (
        ("iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary"),
        ("PermissionsBoundary",),
        "no permissions boundary on the app's roles yet",
    ),
    (("apigateway:UpdateRestApiPolicy",), ("Policy",), "no API resource policy"),
    (
        ("iam:PassRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:CreateServiceLinkedRole"),
        ("RoleArn", "SmsConfiguration", "CloudWatchRoleArn", "SnsCallerArn"),
        "passed only for a role named in the resource (none is, but the functions', checked apart)",
    ),
    (("s3:GetObject",), ("BodyS3Location",), "the API's definition is inline, not in S3"),
]
EXEMPT_TYPES_ACTIONS = {
    # The function resource itself passes its role; that is checked against the roles' trust below.
    "AWS::Lambda::Function": {"iam:PassRole"},
}


def main() -> int:
    logging.disable(logging.WARNING)  # the translator's notes on its own feature toggles and metrics
    handlers = _handler_permissions()
    pipeline = cfn_yaml.load(str(PIPELINE))
    known = _iam_actions()
    problems: list[str] = []
    unknown: set[str] = set()
    for stage in STAGES:
        app = _expand(stage)
        allowed = _allowed_actions(pipeline, stage)
        attachable, passable = _role_conditions(pipeline, stage)
        for logical_id, resource in sorted(app["Resources"].items()):
            kind = resource["Type"]
            if kind not in handlers:
                problems.append(f"{stage}: no resource schema for {kind} ({logical_id}); cannot check it")
                continue
            props = resource.get("Properties", {})
            for action in sorted(handlers[kind]):
                if action.lower() not in known:  # nothing a policy could grant
                    unknown.add(f"{action} ({kind})")
                    continue
                if _exempt(kind, action, props) or _allows(allowed, action):
                    continue
                problems.append(
                    f"{stage}: {kind} ({logical_id}) needs {action}, which the execution role does not allow"
                )
            if kind == "AWS::IAM::Role":
                for arn in props.get("ManagedPolicyArns", []):
                    name = _arn_tail(arn)
                    if name not in attachable:
                        problems.append(f"{stage}: {logical_id} attaches {name}, not among the attachable policies")
                for service in _trusted_services(props):
                    if service not in passable:
                        problems.append(f"{stage}: {logical_id} is for {service}, to which the role may not be passed")
            name = _own_name(kind, props, stage)
            if name is not None and not name.startswith(f"boxoffice-{stage}"):
                problems.append(f"{stage}: {logical_id} is named {name!r}, outside boxoffice-{stage}*")
        kinds = {r["Type"] for r in app["Resources"].values()}
        print(f"{stage}: {len(app['Resources'])} resources of {len(kinds)} types checked")
    for action in sorted(unknown):
        print(f"note  a handler lists {action}, which is no IAM action: nothing to grant")
    for problem in problems:
        print(f"FAIL  {problem}")
    if problems:
        print(f"{len(problems)} problem(s): pipeline/template.yaml's execution roles would not deploy template.yaml")
        return 1
    print("the execution roles allow every action CloudFormation needs for template.yaml")
    return 0


def _expand(stage: str) -> dict:
    """template.yaml as CloudFormation sees it after the SAM transform (code locations are placeholders)."""
    template = yaml_parse(APP.read_text())
    template = copy.deepcopy(template)
    template.setdefault("Globals", {}).setdefault("Function", {})["CodeUri"] = "s3://artifacts/packages/code.zip"
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function" and "CodeUri" in resource.get("Properties", {}):
            resource["Properties"]["CodeUri"] = "s3://artifacts/packages/code.zip"

    class NoManagedPolicies:  # the template names its policies' statements, never a managed policy by name
        def load(self):
            return {}

    return transform(template, {"Stage": stage}, NoManagedPolicies())


def _iam_actions() -> set[str]:
    services = json.loads(IAM_ACTIONS.read_text())
    return {f"{prefix}:{action}" for prefix, spec in services.items() for action in spec.get("Actions", {})}


def _handler_permissions() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path in glob.glob(str(SCHEMAS / "*.json")):
        schema = json.loads(Path(path).read_text())
        if "typeName" not in schema or "handlers" not in schema:
            continue
        actions = out.setdefault(schema["typeName"], set())
        for handler in ("create", "read", "update", "delete"):
            actions.update(schema["handlers"].get(handler, {}).get("permissions", []))
    return out


def _policy_statements(pipeline: dict, stage: str) -> list[dict]:
    role = pipeline["Resources"][f"CfnExecutionRole{stage.capitalize()}"]["Properties"]
    statements: list[dict] = []
    for ref in role.get("ManagedPolicyArns", []):
        policy = pipeline["Resources"][ref["Ref"]]["Properties"]["PolicyDocument"]
        statements.extend(policy["Statement"])
    for inline in role.get("Policies", []):
        statements.extend(inline["PolicyDocument"]["Statement"])
    return statements


def _allowed_actions(pipeline: dict, stage: str) -> list[str]:
    return [
        action.lower()
        for statement in _policy_statements(pipeline, stage)
        if statement["Effect"] == "Allow"
        for action in _listed(statement["Action"])
    ]


def _role_conditions(pipeline: dict, stage: str) -> tuple[set[str], set[str]]:
    attachable: set[str] = set()
    passable: set[str] = set()
    for statement in _policy_statements(pipeline, stage):
        condition = statement.get("Condition", {})
        for arn in _listed(condition.get("ArnEquals", {}).get("iam:PolicyARN", [])):
            attachable.add(_arn_tail(arn))
        if "iam:PassRole" in _listed(statement["Action"]):
            passable.update(_listed(condition.get("StringEquals", {}).get("iam:PassedToService", [])))
    return attachable, passable


def _allows(allowed: list[str], action: str) -> bool:
    return any(fnmatch.fnmatchcase(action.lower(), pattern) for pattern in allowed)


def _exempt(kind: str, action: str, props: dict) -> bool:
    if action in EXEMPT_TYPES_ACTIONS.get(kind, set()):
        return True
    used = _keys(props)
    return any(
        any(fnmatch.fnmatchcase(action, pattern) for pattern in patterns) and not used & set(needed_for)
        for patterns, needed_for, _why in EXEMPT
    )


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _trusted_services(role_props: dict) -> set[str]:
    services: set[str] = set()
    for statement in role_props.get("AssumeRolePolicyDocument", {}).get("Statement", []):
        services.update(_listed(statement.get("Principal", {}).get("Service", [])))
    return services


_NAME_PROPERTY = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::IAM::Role": "RoleName",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::Events::EventBus": "Name",
    "AWS::Events::Rule": "Name",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::CloudWatch::Dashboard": "DashboardName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::S3::Bucket": "BucketName",
}


def _own_name(kind: str, props: dict, stage: str) -> str | None:
    """The name the template gives a resource itself (None: CloudFormation names it boxoffice-<stage>-...)."""
    value = props.get(_NAME_PROPERTY.get(kind, ""))
    if value is None:
        return None
    if isinstance(value, dict) and "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
        value = value["Fn::Sub"].replace("${Stage}", stage)
    return value if isinstance(value, str) else json.dumps(value)


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _arn_tail(arn) -> str:
    text = arn["Fn::Sub"] if isinstance(arn, dict) and "Fn::Sub" in arn else str(arn)
    return text.split(":policy/", 1)[-1]


if __name__ == "__main__":
    sys.exit(main())
