"""template.yaml as data: the one description of the stack that tests and the local pass-through read."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(name: str):
    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if name == "Fn::GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    return construct


for _short, _long in {
    "Ref": "Ref",
    "GetAtt": "Fn::GetAtt",
    "Sub": "Fn::Sub",
    "If": "Fn::If",
    "Equals": "Fn::Equals",
    "Join": "Fn::Join",
    "Select": "Fn::Select",
    "Split": "Fn::Split",
    "Not": "Fn::Not",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "FindInMap": "Fn::FindInMap",
    "ImportValue": "Fn::ImportValue",
    "Condition": "Condition",
    "GetAZs": "Fn::GetAZs",
    "Base64": "Fn::Base64",
}.items():
    _CfnLoader.add_constructor(f"!{_short}", _tag(_long))


@cache
def load() -> dict:
    return load_file(TEMPLATE)


def load_file(path: Path) -> dict:
    """Any CloudFormation template as data, short-form intrinsics (!Sub, !If, ...) as their long form."""
    return yaml.load(Path(path).read_text(), Loader=_CfnLoader)


def resources(kind: str | None = None) -> dict[str, dict]:
    return {name: r for name, r in load()["Resources"].items() if kind is None or r["Type"] == kind}


def functions() -> dict[str, dict]:
    """Each function's properties with the Globals merged in, as SAM would."""
    glob = load().get("Globals", {}).get("Function", {})
    out = {}
    for name, res in resources("AWS::Serverless::Function").items():
        props = {**glob, **res["Properties"]}
        env = {
            **glob.get("Environment", {}).get("Variables", {}),
            **res["Properties"].get("Environment", {}).get("Variables", {}),
        }
        props["Environment"] = {"Variables": env}
        out[name] = props
    return out


def handler_module(props: dict) -> str:
    return props["Handler"].rsplit(".", 1)[0]


def parameter_default(name: str):
    return load()["Parameters"][name].get("Default")


def gateway_responses(api: str = "BoxofficeApi") -> dict[str, dict]:
    """The API's GatewayResponses (what API Gateway answers itself, e.g. UNAUTHORIZED), by response type."""
    return resources()[api]["Properties"].get("GatewayResponses", {})
