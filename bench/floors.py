"""What the benchmark deploys itself, with boto3, on the same emulator as the stack (not part of template.yaml):

- the event-chain floor (figure 3): put_item -> stream -> function -> PutEvents -> rule -> queue -> function ->
  put_item,
  with handlers that do nothing but pass an id along and write it where it can be observed;
- a function that does nothing behind the stack's own RestApi (figure 4): POST /bench-noop, same Cognito authorizer.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
import uuid
import zipfile

RUNTIME = "python3.13"
ROLE = "arn:aws:iam::000000000000:role/bench-floor"

PUBLISH_CODE = """
import json, os
import boto3
events = boto3.client("events")
BUS = os.environ["BUS"]

def handler(event, context):
    entries = [{"Source": "bench.floor", "DetailType": "Arrived", "EventBusName": BUS,
                "Detail": json.dumps({"id": r["dynamodb"]["NewImage"]["pk"]["S"]})}
               for r in event["Records"] if r.get("eventName") == "INSERT"]
    for i in range(0, len(entries), 10):
        events.put_events(Entries=entries[i:i + 10])
"""

SINK_CODE = """
import json, os
import boto3
ddb = boto3.client("dynamodb")
TABLE = os.environ["TABLE"]

def handler(event, context):
    for r in event["Records"]:
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": json.loads(r["body"])["detail"]["id"]}})
"""

NOOP_CODE = """
def handler(event, context):
    return {"statusCode": 201, "headers": {"Content-Type": "application/json"}, "body": "{}"}
"""


def _zip(code: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", code)
    return buf.getvalue()


def _function(lam, name: str, code: str, env: dict, memory: int = 256) -> str:
    arn = lam.create_function(
        FunctionName=name,
        Runtime=RUNTIME,
        Role=ROLE,
        Handler="index.handler",
        Code={"ZipFile": _zip(code)},
        MemorySize=memory,
        Timeout=30,
        Environment={"Variables": env},
    )["FunctionArn"]
    return arn


class Floors:
    def __init__(self, stack):
        self.stack = stack
        self.tag = uuid.uuid4().hex[:6]
        self.created: list[tuple[str, str]] = []

    # ------------------------------------------------------------ figure 3
    def deploy_chain(self) -> None:
        s, t = self.stack, self.tag
        ddb, lam, ev, sqs = s.client("dynamodb"), s.client("lambda"), s.client("events"), s.client("sqs")
        self.source_table = f"bench-floor-src-{t}"
        self.arrivals_table = f"bench-floor-arrivals-{t}"
        ddb.create_table(
            TableName=self.source_table,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )
        ddb.create_table(
            TableName=self.arrivals_table,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        self.created += [("table", self.source_table), ("table", self.arrivals_table)]
        stream_arn = ddb.describe_table(TableName=self.source_table)["Table"]["LatestStreamArn"]
        bus = f"bench-floor-bus-{t}"
        ev.create_event_bus(Name=bus)
        self.created.append(("bus", bus))
        queue_url = sqs.create_queue(QueueName=f"bench-floor-q-{t}", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
        self.created.append(("queue", queue_url))
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        rule_arn = ev.put_rule(
            Name=f"bench-floor-rule-{t}",
            EventBusName=bus,
            EventPattern=json.dumps({"source": ["bench.floor"], "detail-type": ["Arrived"]}),
        )["RuleArn"]
        self.created.append(("rule", (f"bench-floor-rule-{t}", bus)))
        sqs.set_queue_attributes(
            QueueUrl=queue_url,
            Attributes={
                "Policy": json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "events.amazonaws.com"},
                                "Action": "sqs:SendMessage",
                                "Resource": queue_arn,
                                "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
                            }
                        ],
                    }
                )
            },
        )
        ev.put_targets(Rule=f"bench-floor-rule-{t}", EventBusName=bus, Targets=[{"Id": "floor", "Arn": queue_arn}])
        pub = f"bench-floor-pub-{t}"
        sink = f"bench-floor-sink-{t}"
        _function(lam, pub, PUBLISH_CODE, {"BUS": bus})
        _function(lam, sink, SINK_CODE, {"TABLE": self.arrivals_table})
        self.created += [("function", pub), ("function", sink)]
        for source, fn, extra in (
            (
                stream_arn,
                pub,
                {"StartingPosition": "TRIM_HORIZON", "BatchSize": 100, "MaximumBatchingWindowInSeconds": 0},
            ),
            (queue_arn, sink, {"BatchSize": 10}),
        ):
            uuid_ = lam.create_event_source_mapping(EventSourceArn=source, FunctionName=fn, Enabled=True, **extra)[
                "UUID"
            ]
            self.created.append(("mapping", uuid_))
        self.ddb = ddb

    def put(self, item_id: str) -> None:
        self.ddb.put_item(TableName=self.source_table, Item={"pk": {"S": item_id}})

    def warm_chain(self, timeout: float = 60) -> None:
        probe = f"warm-{uuid.uuid4().hex}"
        self.put(probe)
        self.stack.wait_for(
            lambda: "Item" in self.ddb.get_item(TableName=self.arrivals_table, Key={"pk": {"S": probe}}),
            timeout=timeout,
            interval=0.05,
            what="the floor chain delivering a probe",
        )

    # ------------------------------------------------------------ figure 4
    def deploy_noop_route(self) -> str:
        s, t = self.stack, self.tag
        lam, apigw = s.client("lambda"), s.client("apigateway")
        name = f"bench-noop-{t}"
        arn = _function(lam, name, NOOP_CODE, {})
        self.created.append(("function", name))
        api_id = s.outputs["ApiId"]
        root = next(r["id"] for r in apigw.get_resources(restApiId=api_id, limit=500)["items"] if r["path"] == "/")
        authorizer = apigw.get_authorizers(restApiId=api_id)["items"][0]["id"]
        res = apigw.create_resource(restApiId=api_id, parentId=root, pathPart=f"bench-noop-{t}")["id"]
        apigw.put_method(
            restApiId=api_id,
            resourceId=res,
            httpMethod="POST",
            authorizationType="COGNITO_USER_POOLS",
            authorizerId=authorizer,
        )
        apigw.put_integration(
            restApiId=api_id,
            resourceId=res,
            httpMethod="POST",
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations",
        )
        with contextlib.suppress(Exception):
            lam.add_permission(
                FunctionName=name,
                StatementId="apigw",
                Action="lambda:InvokeFunction",
                Principal="apigateway.amazonaws.com",
            )
        apigw.create_deployment(restApiId=api_id, stageName="local", description="bench noop route")
        return f"/bench-noop-{t}"

    def cleanup(self) -> None:
        s = self.stack
        for kind, what in reversed(self.created):
            with contextlib.suppress(Exception):
                if kind == "mapping":
                    s.client("lambda").delete_event_source_mapping(UUID=what)
                elif kind == "function":
                    s.client("lambda").delete_function(FunctionName=what)
                elif kind == "table":
                    s.client("dynamodb").delete_table(TableName=what)
                elif kind == "queue":
                    s.client("sqs").delete_queue(QueueUrl=what)
                elif kind == "rule":
                    s.client("events").remove_targets(Rule=what[0], EventBusName=what[1], Ids=["floor"])
                    s.client("events").delete_rule(Name=what[0], EventBusName=what[1])
                elif kind == "bus":
                    s.client("events").delete_event_bus(Name=what)
        time.sleep(0)
