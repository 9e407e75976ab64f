"""The stack of template.yaml, built in moto, and the event chain driven through it.

Tables, queues (with their redrive policies), the bus and its rules are created from the
template's own resource definitions; functions are called through their Lambda entry points
with the events AWS would hand them:

  table stream records  -> StreamPublisherFunction (DynamoDB stream event)
  moto EventBridge      -> rules -> SQS queues (moto delivers to the rule targets)
  SQS messages          -> each queue's consumer function (SQS event); failures stay in the queue

Nothing is wired by hand: which stream feeds which function and which queue feeds which
function come from the functions' `Events` in template.yaml.
"""

from __future__ import annotations

import importlib
import json
import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

import boto3

from tests import template

ACCOUNT = "123456789012"
REGION = "us-east-1"
STAGE = "test"
FAKE_SECRET = "sk_test_integration"  # what an operator would put in the template's secrets


@dataclass
class FakeContext:
    function_name: str = "test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:test"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    remaining_ms: int = 300_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


class Stack:
    def __init__(self):
        self.ddb = boto3.client("dynamodb", region_name=REGION)
        self.streams = boto3.client("dynamodbstreams", region_name=REGION)
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.events = boto3.client("events", region_name=REGION)
        self.names: dict[str, str] = {}  # logical id -> what !Ref gives
        self.arns: dict[str, str] = {}
        self.stream_arns: dict[str, str] = {}
        self._iterators: dict[str, str] = {}
        self._retry: dict[str, list[dict]] = {}  # stream records whose publisher invocation failed as a whole
        self.functions = template.functions()
        self.down: set[str] = set()  # functions whose queue mappings are disabled (an outage)
        self.misconfigured: dict[str, dict[str, str]] = {}  # function -> variables over its template environment
        self.published: list[dict] = []

    # ------------------------------------------------------------------ building
    def build(self) -> Stack:
        self.names["AWS::Region"] = REGION
        self.names["Stage"] = STAGE
        for pname in template.load()["Parameters"]:
            self.names.setdefault(pname, str(template.parameter_default(pname)))
        for name, res in template.resources("AWS::DynamoDB::Table").items():
            self._table(name, res["Properties"])
        for name, res in template.resources("AWS::SecretsManager::Secret").items():
            secret = boto3.client("secretsmanager", region_name=REGION).create_secret(
                Name=self.resolve(res["Properties"]["Name"]), SecretString=FAKE_SECRET
            )
            self.names[name] = self.arns[name] = secret["ARN"]
        for name in template.resources("AWS::Events::EventBus"):
            bus = f"boxoffice-{STAGE}"
            self.arns[name] = self.events.create_event_bus(Name=bus)["EventBusArn"]
            self.names[name] = bus
        queues = template.resources("AWS::SQS::Queue")
        # DLQs first: the queues' redrive policies name them.
        for name in sorted(queues, key=lambda n: "RedrivePolicy" in queues[n].get("Properties", {})):
            self._queue(name, queues[name].get("Properties", {}))
        for name, res in template.resources("AWS::Events::Rule").items():
            self._rule(name, res["Properties"])
        from boxoffice import config

        config.reset_clients()
        return self

    def resolve(self, value):
        if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("Ref", "Fn::GetAtt", "Fn::Sub"):
            ((fn, arg),) = value.items()
            if fn == "Ref" and arg.endswith((".Version", ".Alias")):  # SAM's references to a function's version
                function, kind = arg.rsplit(".", 1)
                return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}:{'1' if kind == 'Version' else 'live'}"
            if fn == "Ref":
                return self.names[arg]
            if fn == "Fn::GetAtt":
                logical, attr = arg
                if attr == "Arn":
                    return self.arns[logical]
                if attr == "StreamArn":
                    return self.stream_arns[logical]
                if attr == "QueueName":
                    return self.arns[logical].rsplit(":", 1)[1]
            if fn == "Fn::Sub":
                text = arg
                for key, val in {**self.names}.items():
                    text = text.replace("${" + key + "}", str(val))
                return text
            raise ValueError(f"cannot resolve {value}")
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def _table(self, name: str, props: dict) -> None:
        props = self.resolve(props)
        args = {
            "TableName": f"{name}-{STAGE}",
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": props["BillingMode"],
        }
        if "GlobalSecondaryIndexes" in props:
            args["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        if "StreamSpecification" in props:
            args["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        desc = self.ddb.create_table(**args)["TableDescription"]
        self.names[name] = desc["TableName"]
        self.arns[name] = desc["TableArn"]
        if "LatestStreamArn" in desc:
            self.stream_arns[name] = desc["LatestStreamArn"]

    def _queue(self, name: str, props: dict) -> None:
        attrs = {}
        if "VisibilityTimeout" in props:
            attrs["VisibilityTimeout"] = str(self.resolve(props["VisibilityTimeout"]))
        if "RedrivePolicy" in props:
            attrs["RedrivePolicy"] = json.dumps(self.resolve(props["RedrivePolicy"]))
        url = self.sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
        self.names[name] = url
        self.arns[name] = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]

    def _rule(self, name: str, props: dict) -> None:
        props = self.resolve(props)
        arn = self.events.put_rule(
            Name=name, EventBusName=props["EventBusName"], EventPattern=json.dumps(props["EventPattern"])
        )["RuleArn"]
        self.arns[name] = arn
        self.events.put_targets(Rule=name, EventBusName=props["EventBusName"], Targets=props["Targets"])

    def environment(self, function: str) -> dict[str, str]:
        """The environment template.yaml gives `function` (Globals merged in)."""
        return {k: str(self.resolve(v)) for k, v in self.functions[function]["Environment"]["Variables"].items()}

    @contextmanager
    def as_function(self, function: str):
        """os.environ as `function` sees it on AWS: its own variables from the template and no other function's, so
        code that needs a variable its function is not given fails here as it would there."""
        saved = dict(os.environ)
        for props in self.functions.values():
            for name in props["Environment"]["Variables"]:
                os.environ.pop(name, None)
        os.environ.update(self.environment(function))
        os.environ.update(self.misconfigured.get(function, {}))
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    # ------------------------------------------------------------------ invoking
    def handler(self, function: str):
        return importlib.import_module(template.handler_module(self.functions[function])).lambda_handler

    def invoke(self, function: str, event: dict, context: FakeContext | None = None):
        with self.as_function(function):
            return self.handler(function)(event, context or FakeContext(function_name=function))

    def sources(self, kind: str) -> list[tuple[str, str]]:
        """(function, resource) pairs of the event sources of `kind` (DynamoDB or SQS) in the template."""
        pairs = []
        for fname, props in self.functions.items():
            for source in props.get("Events", {}).values():
                if source["Type"] == kind:
                    key = "Stream" if kind == "DynamoDB" else "Queue"
                    pairs.append((fname, source["Properties"][key]["Fn::GetAtt"][0]))
        return pairs

    def queue_of(self, function: str) -> str:
        return next(self.names[q] for f, q in self.sources("SQS") if f == function)

    # ------------------------------------------------------------------ the chain
    def stream_records(self, table_logical: str) -> list[dict]:
        arn = self.stream_arns[table_logical]
        if arn not in self._iterators:
            shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
            self._iterators[arn] = self.streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
        out = self.streams.get_records(ShardIterator=self._iterators[arn], Limit=1000)
        self._iterators[arn] = out["NextShardIterator"]
        return out["Records"]

    def publish_streams(self) -> int:
        """Feed new stream records to the publisher, in batches; a reported failure is retried from there."""
        count = 0
        for function, table in self.sources("DynamoDB"):
            records = self.stream_records(table)
            records = self._retry.pop(table, []) + records
            while records:
                batch, records = records[:100], records[100:]
                try:
                    response = self.invoke(
                        function, {"Records": [{**r, "eventSourceARN": self.stream_arns[table]} for r in batch]}
                    )
                except Exception:
                    # The whole batch failed: Lambda retries it from its first record (on the next round here).
                    self._retry[table] = batch + records
                    count += len(batch)
                    break
                failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
                if failed:
                    # Lambda restarts the shard from the first failed record.
                    first = next(i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failed)
                    records = batch[first:] + records
                count += len(batch)
        return count

    def drain_queue(self, function: str, max_batches: int = 1000) -> int:
        """Deliver what is visible in `function`'s queue to it, batch by batch, as the SQS poller would."""
        url = self.queue_of(function)
        arn = self.arns[next(q for f, q in self.sources("SQS") if f == function)]
        delivered = 0
        for _ in range(max_batches):
            messages = self.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"]
            ).get("Messages", [])
            if not messages:
                break
            event = {"Records": [_sqs_record(m, arn) for m in messages]}
            try:
                response = self.invoke(function, event) or {}
                failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
            except Exception:
                failed = {m["MessageId"] for m in messages}
            for m in messages:
                if m["MessageId"] in failed:
                    # Visible again at once, as if its visibility timeout had passed.
                    self.sqs.change_message_visibility(
                        QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
                    )
                else:
                    self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            delivered += len(messages)
            if failed:
                break  # leave retries for the next pump round
        return delivered

    def settle(self, rounds: int = 50) -> None:
        """Run the chain until nothing moves: streams published, every running consumer's queue drained."""
        for _ in range(rounds):
            moved = self.publish_streams()
            for function, _queue in self.sources("SQS"):
                if function not in self.down:
                    moved += self.drain_queue(function)
            if not moved:
                return
        raise AssertionError("the chain did not settle")

    def visible(self, queue_logical: str) -> int:
        attrs = self.sqs.get_queue_attributes(
            QueueUrl=self.names[queue_logical], AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(attrs["Attributes"]["ApproximateNumberOfMessages"])

    def redrive(self, dlq_logical: str, queue_logical: str) -> int:
        moved = 0
        while messages := self.sqs.receive_message(QueueUrl=self.names[dlq_logical], MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for m in messages:
                self.sqs.send_message(QueueUrl=self.names[queue_logical], MessageBody=m["Body"])
                self.sqs.delete_message(QueueUrl=self.names[dlq_logical], ReceiptHandle=m["ReceiptHandle"])
                moved += 1
        return moved

    def redrive_all(self) -> int:
        """Every DLQ's messages back to the queue that parked them (an operator's redrive after a fix)."""
        moved = 0
        for _, queue in self.sources("SQS"):
            redrive = template.resources()[queue]["Properties"].get("RedrivePolicy")
            if redrive:
                moved += self.redrive(redrive["deadLetterTargetArn"]["Fn::GetAtt"][0], queue)
        return moved

    def table(self, logical: str):
        return boto3.resource("dynamodb", region_name=REGION).Table(self.names[logical])


def _sqs_record(message: dict, queue_arn: str) -> dict:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def call_api(stack: Stack, method: str, path: str, body=None, **kwargs) -> tuple[int, object]:
    """Send a request to the function that template.yaml routes it to; (status, parsed body)."""
    from tests.api_events import api_event, route_for
    from tests.api_events import body as parse_body

    function, resource = route_for(method, path)
    response = stack.invoke(function, api_event(method, path, body, resource=resource, **kwargs))
    return response["statusCode"], parse_body(response)
