"""A queue mapping's ScalingConfig, created by CloudFormation, holds numbers as AWS's does.

Why: ScalingConfig.MaximumConcurrency is typed Integer; CloudFormation passes a parameter's value (`!Ref
ConsumerConcurrency`) as a string and AWS converts it. ministack's CloudFormation provisioner
(`ministack.services.cloudformation.provisioners._lambda_esm_create`) stores the property as given, and its SQS
poller then compares the string with integers (`'>=' not supported between instances of 'int' and 'str'`): every
poll of such a queue fails and nothing is ever delivered. Its own CreateEventSourceMapping API path validates the
type; only the CloudFormation path misses it.

What: before the provisioner creates (or re-creates, on update) a mapping, ScalingConfig's values become integers,
as AWS makes them. Nothing else changes; a mapping without ScalingConfig is untouched.
"""

from __future__ import annotations


def _typed(props: dict) -> dict:
    scaling = props.get("ScalingConfig")
    if not isinstance(scaling, dict):
        return props
    return {**props, "ScalingConfig": {k: int(v) if isinstance(v, str) else v for k, v in scaling.items()}}


def apply() -> None:
    from ministack.services.cloudformation import provisioners

    original = provisioners._lambda_esm_create
    if getattr(original, "__module__", None) == __name__:
        return

    def _lambda_esm_create(logical_id, props, stack_name):
        return original(logical_id, _typed(props), stack_name)

    _lambda_esm_create.__doc__ = original.__doc__
    provisioners._lambda_esm_create = _lambda_esm_create  # what the update path calls
    provisioners._RESOURCE_HANDLERS["AWS::Lambda::EventSourceMapping"]["create"] = _lambda_esm_create
