"""Can each environment's CloudFormation execution role (pipeline/template.yaml) deploy template.yaml?

Offline, with SAM CLI's virtualenv (`make lint-ops`): template.yaml is expanded by aws-sam-translator, as
CloudFormation's SAM transform would, and for every resource type in it the actions CloudFormation's handlers
call to create, read, update and delete it are read from the resource schemas cfn-lint ships. Each of those
actions must be allowed by the stage's execution role, except the ones a handler calls only for a property the
template does not use (EXEMPT, each for its resource types, with the properties that would make it needed). Also:
every managed policy SAM attaches to a function role may be attached, every service a role is made for may be passed
that role, every resource the template names itself is named boxoffice-<stage>... (a function's log group
/aws/lambda/boxoffice-<stage>-...), and for the types addressed by name (functions, roles, tables, queues, the bus,
the secret, alarms, the dashboard, log groups, buckets) the action that creates one is allowed on its ARN, with the
name the template or CloudFormation (<stack>-<LogicalId>-<suffix>) gives it.

Other actions are checked as actions, not on resources: what the comments in pipeline/template.yaml and
tests/unit/test_pipeline.py hold; a real deploy is the final word (README, "Pipeline").

    check_pipeline_roles.py [--template PATH]   (default template.yaml; e.g. another branch's, before it merges)
"""

from __future__ import annotations

import argparse
import copy
import fnmatch
import glob
import json
import logging
import os
import re
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

# Actions a handler calls only for a property: (resource types, action patterns, properties that would need them,
# why not granted). An entry holds for its types only: another type's handler may need the same action always.
# "*" only for the KMS key properties, which name a customer managed key whatever the type.
FUNCTION, TABLE, LOG_GROUP, BUCKET = (
    "AWS::Lambda::Function",
    "AWS::DynamoDB::Table",
    "AWS::Logs::LogGroup",
    "AWS::S3::Bucket",
)
EXEMPT: list[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], str]] = [
    (
        ("*",),
        ("kms:*",),
        ("KmsKeyArn", "KMSMasterKeyId", "KmsMasterKeyId", "KmsKeyId", "KmsKeyIdentifier"),
        "no customer managed key: tables, queues, the secret, bus, pool and log groups use AWS owned or managed keys",
    ),
    (
        (FUNCTION,),
        ("ec2:*", "elasticfilesystem:*", "s3files:*"),
        ("VpcConfig", "FileSystemConfigs"),
        "no function in a VPC",
    ),
    ((FUNCTION,), ("lambda:PassCapacityProvider",), ("CapacityProviderConfig",), "no Lambda managed instances"),
    ((FUNCTION,), ("lambda:GetLayerVersion",), ("Layers",), "no layers"),
    (
        (FUNCTION,),
        (
            "lambda:GetCodeSigningConfig",
            "lambda:PutFunctionCodeSigningConfig",
            "lambda:DeleteFunctionCodeSigningConfig",
        ),
        ("CodeSigningConfigArn",),
        "no code signing",
    ),
    (
        (TABLE,),
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
        (TABLE,),
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
    ((TABLE,), ("dynamodb:AssociateTableReplica", "dynamodb:CreateTableReplica"), ("Replicas",), "no global tables"),
    (
        (TABLE,),
        ("dynamodb:PutResourcePolicy", "dynamodb:DeleteResourcePolicy"),
        ("ResourcePolicy",),
        "no table policies",
    ),
    (
        ("AWS::SecretsManager::Secret",),
        ("secretsmanager:ReplicateSecretToRegions", "secretsmanager:RemoveRegionsFromReplication"),
        ("ReplicaRegions",),
        "the secret is not replicated",
    ),
    (
        ("AWS::IAM::Role",),
        ("iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary"),
        ("PermissionsBoundary",),
        "no permissions boundary on the app's roles yet",
    ),
    (("AWS::ApiGateway::RestApi",), ("apigateway:UpdateRestApiPolicy",), ("Policy",), "no API resource policy"),
    (
        (
            "AWS::ApiGateway::RestApi",
            "AWS::Cognito::UserPool",
            "AWS::Cognito::UserPoolClient",
            "AWS::Cognito::UserPoolGroup",
            "AWS::Events::Rule",
        ),
        ("iam:PassRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:CreateServiceLinkedRole"),
        ("RoleArn", "SmsConfiguration", "CloudWatchRoleArn", "SnsCallerArn"),
        "passed only for a role named in the resource (none is, but the functions', checked apart)",
    ),
    (
        ("AWS::ApiGateway::RestApi",),
        ("s3:GetObject",),
        ("BodyS3Location",),
        "the API's definition is inline, not in S3",
    ),
    # Log groups: only name, retention and tags are set (template.yaml); each of these is the API of one property.
    (
        (LOG_GROUP,),
        # CreateLogDelivery and firehose:TagDeliveryStream (and S3's PUT, no IAM action) deliver a data protection
        # policy's audit findings to a log group, Firehose stream or bucket (PutDataProtectionPolicy's permissions).
        ("logs:PutDataProtectionPolicy", "logs:CreateLogDelivery", "firehose:TagDeliveryStream"),
        ("DataProtectionPolicy",),
        "no data protection (masking) policy: the logs carry no card data or secrets",
    ),
    (
        (LOG_GROUP,),
        ("logs:PutResourcePolicy", "logs:DeleteResourcePolicy"),
        ("ResourcePolicyDocument",),
        "no log group resource policy: only the function writes to its group, with its own role",
    ),
    ((LOG_GROUP,), ("logs:PutIndexPolicy", "logs:DeleteIndexPolicy"), ("FieldIndexPolicies",), "no field indexes"),
    ((LOG_GROUP,), ("logs:AssociateKmsKey", "logs:DisassociateKmsKey"), ("KmsKeyId",), "no customer managed key"),
    (
        (LOG_GROUP,),
        ("logs:PutBearerTokenAuthentication",),
        ("BearerTokenAuthenticationEnabled",),
        "no bearer-token ingestion",
    ),
    (
        (LOG_GROUP,),
        ("logs:PutLogGroupDeletionProtection",),
        ("DeletionProtectionEnabled",),
        "no deletion protection: a stage's groups go with its stack",
    ),
    # The portal's bucket (private, BucketOwnerEnforced, AES256, public access blocked): the read handler's Get*
    # calls are granted (it reads every configuration); each Put here sets one configuration the bucket has not.
    ((BUCKET,), ("s3:PutAccelerateConfiguration",), ("AccelerateConfiguration",), "no transfer acceleration"),
    ((BUCKET,), ("s3:PutAnalyticsConfiguration",), ("AnalyticsConfigurations",), "no storage class analysis"),
    ((BUCKET,), ("s3:PutBucketAbac",), ("AbacStatus",), "no attribute-based access control"),
    (
        (BUCKET,),
        ("s3:PutBucketAcl", "s3:PutObjectAcl"),
        ("AccessControl",),
        "no ACLs: the bucket's owner is enforced, S3 refuses ACLs on it",
    ),
    ((BUCKET,), ("s3:PutBucketLogging",), ("LoggingConfiguration",), "no server access logging"),
    ((BUCKET,), ("s3:PutBucketNotification",), ("NotificationConfiguration",), "no event notifications"),
    (
        (BUCKET,),
        ("s3:PutBucketObjectLockConfiguration",),
        ("ObjectLockConfiguration", "ObjectLockEnabled"),
        "no object lock",
    ),
    (
        (BUCKET,),
        ("s3:PutBucketWebsite", "s3:DeleteBucketWebsite"),
        ("WebsiteConfiguration",),
        "no website endpoint: CloudFront reads the bucket",
    ),
    (
        (BUCKET,),
        ("s3:PutIntelligentTieringConfiguration",),
        ("IntelligentTieringConfigurations",),
        "no intelligent tiering",
    ),
    ((BUCKET,), ("s3:PutInventoryConfiguration",), ("InventoryConfigurations",), "no inventory"),
    ((BUCKET,), ("s3:PutMetricsConfiguration",), ("MetricsConfigurations",), "no request metrics"),
    (
        (BUCKET,),
        ("s3:PutReplicationConfiguration", "iam:PassRole"),
        ("ReplicationConfiguration",),
        "no replication (whose role the handler would pass)",
    ),
    (
        (BUCKET,),
        (
            "s3:CreateBucketMetadataTableConfiguration",
            "s3:DeleteBucketMetadataTableConfiguration",
            "s3:UpdateBucketMetadata*TableConfiguration",
            "s3tables:*",
        ),
        ("MetadataConfiguration", "MetadataTableConfiguration"),
        "no S3 Metadata tables",
    ),
    (
        ("AWS::CloudFront::Distribution",),
        ("cloudfront:CreateConnectionGroup", "cloudfront:GetConnectionGroup"),
        ("ConnectionMode", "TenantConfig"),
        "not a multi-tenant distribution",
    ),
    (("AWS::CloudFront::Distribution",), ("cloudfront:GetVpcOrigin",), ("VpcOriginConfig",), "no VPC origin"),
    (
        ("AWS::CloudFront::Distribution",),
        ("cloudfront:UpdateDistributionWithStagingConfig",),
        ("ContinuousDeploymentPolicyId", "Staging"),
        "no continuous deployment (staging distribution)",
    ),
]
EXEMPT_TYPES_ACTIONS = {
    # The function resource itself passes its role; that is checked against the roles' trust below.
    "AWS::Lambda::Function": {"iam:PassRole"},
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--template", type=Path, default=APP, help="the app's template (default: template.yaml)")
    app_template = parser.parse_args(argv).template
    logging.disable(logging.WARNING)  # the translator's notes on its own feature toggles and metrics
    handlers = _handler_permissions()
    pipeline = cfn_yaml.load(str(PIPELINE))
    known = _iam_actions()
    problems: list[str] = []
    unknown: set[str] = set()
    for stage in STAGES:
        app = _expand(app_template, stage)
        allowed = _allowed_actions(pipeline, stage)
        statements = _policy_statements(pipeline, stage)
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
            inside = _stage_names(kind, stage)
            if name is not None and not name.startswith(inside):
                problems.append(f"{stage}: {logical_id} is named {name!r}, outside {'* or '.join(inside)}*")
            if kind in _CREATED_ON:
                action, arn = _CREATED_ON[kind]
                arn = arn.format(name=name or _generated_name(kind, logical_id, stage), path=props.get("Path", "/"))
                if not _allows_on(statements, action, arn):
                    problems.append(f"{stage}: {logical_id} would be {arn}, on which the role may not {action}")
        kinds = {r["Type"] for r in app["Resources"].values()}
        print(f"{stage}: {len(app['Resources'])} resources of {len(kinds)} types checked")
    for action in sorted(unknown):
        print(f"note  a handler lists {action}, which is no IAM action: nothing to grant")
    for problem in problems:
        print(f"FAIL  {problem}")
    if problems:
        print(f"{len(problems)} problem(s): pipeline/template.yaml's execution roles would not deploy {app_template}")
        return 1
    print(f"the execution roles allow every action CloudFormation needs for {app_template}")
    return 0


def _expand(app: Path, stage: str) -> dict:
    """template.yaml as CloudFormation sees it after the SAM transform (code locations are placeholders)."""
    template = yaml_parse(app.read_text())
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
        ("*" in types or kind in types)
        and any(fnmatch.fnmatchcase(action, pattern) for pattern in patterns)
        and not used & set(needed_for)
        for types, patterns, needed_for, _why in EXEMPT
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
    "AWS::CloudWatch::CompositeAlarm": "AlarmName",
    "AWS::CloudWatch::Dashboard": "DashboardName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::CodeDeploy::Application": "ApplicationName",
    "AWS::CloudFront::OriginAccessControl": "OriginAccessControlConfig.Name",
    "AWS::CloudFront::ResponseHeadersPolicy": "ResponseHeadersPolicyConfig.Name",
    "AWS::CloudFront::CachePolicy": "CachePolicyConfig.Name",
    "AWS::CloudFront::OriginRequestPolicy": "OriginRequestPolicyConfig.Name",
    "AWS::CloudFront::Function": "Name",
}

# Where a resource named by its name (not by an id AWS generates) lives, and the action that creates it there: the
# statement that allows that action must cover that ARN (a role allowed the action only elsewhere could not deploy).
_REGION, _ACCOUNT = "us-east-1", "123456789012"
_CREATED_ON = {
    "AWS::Lambda::Function": ("lambda:CreateFunction", "arn:aws:lambda:{R}:{A}:function:{{name}}"),
    "AWS::IAM::Role": ("iam:CreateRole", "arn:aws:iam::{A}:role{{path}}{{name}}"),
    "AWS::DynamoDB::Table": ("dynamodb:CreateTable", "arn:aws:dynamodb:{R}:{A}:table/{{name}}"),
    "AWS::SQS::Queue": ("sqs:CreateQueue", "arn:aws:sqs:{R}:{A}:{{name}}"),
    "AWS::Events::EventBus": ("events:CreateEventBus", "arn:aws:events:{R}:{A}:event-bus/{{name}}"),
    "AWS::SecretsManager::Secret": (
        "secretsmanager:CreateSecret",
        "arn:aws:secretsmanager:{R}:{A}:secret:{{name}}-AbCdEf",
    ),
    "AWS::CloudWatch::Alarm": ("cloudwatch:PutMetricAlarm", "arn:aws:cloudwatch:{R}:{A}:alarm:{{name}}"),
    "AWS::CloudWatch::CompositeAlarm": ("cloudwatch:PutCompositeAlarm", "arn:aws:cloudwatch:{R}:{A}:alarm:{{name}}"),
    "AWS::CloudWatch::Dashboard": ("cloudwatch:PutDashboard", "arn:aws:cloudwatch::{A}:dashboard/{{name}}"),
    "AWS::Logs::LogGroup": ("logs:CreateLogGroup", "arn:aws:logs:{R}:{A}:log-group:{{name}}"),
    "AWS::S3::Bucket": ("s3:CreateBucket", "arn:aws:s3:::{{name}}"),
    "AWS::CodeDeploy::Application": ("codedeploy:CreateApplication", "arn:aws:codedeploy:{R}:{A}:application:{{name}}"),
}
_CREATED_ON = {kind: (action, arn.format(R=_REGION, A=_ACCOUNT)) for kind, (action, arn) in _CREATED_ON.items()}
_PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": _REGION,
    "AWS::AccountId": _ACCOUNT,
    "AWS::URLSuffix": "amazonaws.com",
}


def _stage_names(kind: str, stage: str) -> tuple[str, ...]:
    """How a stage's own names begin: boxoffice-<stage>..., and a function's log group, as Lambda names it."""
    if kind == "AWS::Logs::LogGroup":
        return f"boxoffice-{stage}", f"/aws/lambda/boxoffice-{stage}-"
    return (f"boxoffice-{stage}",)


def _generated_name(kind: str, logical_id: str, stage: str) -> str:
    """The name CloudFormation gives a resource the template does not name: <stack>-<LogicalId>-<suffix>."""
    name = f"boxoffice-{stage}-{logical_id}-A1B2C3D4E5F6"
    return name.lower() if kind == "AWS::S3::Bucket" else name


def _allows_on(statements: list[dict], action: str, arn: str) -> bool:
    """Whether an Allow statement grants `action` on `arn` (its conditions aside)."""
    for statement in statements:
        if statement["Effect"] != "Allow" or "Resource" not in statement:
            continue
        if not _allows([a.lower() for a in _listed(statement["Action"])], action):
            continue
        if any(fnmatch.fnmatchcase(arn, pattern) for pattern in map(_rendered, _listed(statement["Resource"]))):
            return True
    return False


def _rendered(resource) -> str:
    """A statement's resource with this account's pseudo parameters; anything else it refers to matches nothing."""
    if isinstance(resource, dict) and isinstance(resource.get("Fn::Sub"), str):
        resource = re.sub(r"\$\{([^}]+)\}", lambda m: _PSEUDO.get(m.group(1), "\0"), resource["Fn::Sub"])
    return resource if isinstance(resource, str) else "\0"


def _own_name(kind: str, props: dict, stage: str) -> str | None:
    """The name the template gives a resource itself (None: CloudFormation names it boxoffice-<stage>-...)."""
    if kind not in _NAME_PROPERTY:
        return None
    value = props
    for key in _NAME_PROPERTY[kind].split("."):
        value = value.get(key) if isinstance(value, dict) else None
    if value is None:
        return None
    if isinstance(value, dict) and "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
        value = value["Fn::Sub"].replace("${Stage}", stage).replace("${AWS::StackName}", f"boxoffice-{stage}")
    return value if isinstance(value, str) else json.dumps(value)


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _arn_tail(arn) -> str:
    text = arn["Fn::Sub"] if isinstance(arn, dict) and "Fn::Sub" in arn else str(arn)
    return text.split(":policy/", 1)[-1]


if __name__ == "__main__":
    sys.exit(main())
