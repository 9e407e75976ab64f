"""The deploy pipeline's security properties, read from pipeline/template.yaml and .github/workflows/ (no AWS).

What `make lint-ops` does not hold: who may assume which role, which role may be passed, and that the workflows
never hold a long-lived key nor ask for an OIDC token outside the deploy jobs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from boxoffice_dev.template import load_file

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = load_file(ROOT / "pipeline" / "template.yaml")
WORKFLOWS = ROOT / ".github" / "workflows"
STAGES = ("dev", "prod")
GITHUB = "token.actions.githubusercontent.com"


def _workflow(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


DEPLOY = _workflow("deploy.yml")
CI = _workflow("ci.yml")


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _role(logical_id: str) -> dict:
    return PIPELINE["Resources"][logical_id]["Properties"]


def _statements(role: dict) -> list[dict]:
    statements = [s for policy in role.get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]
    for ref in role.get("ManagedPolicyArns", []):
        statements += PIPELINE["Resources"][ref["Ref"]]["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _subs(value) -> list[str]:
    """The strings a value may take: each branch of an Fn::If, each Fn::Sub's text."""
    if isinstance(value, dict) and "Fn::If" in value:
        return [s for branch in value["Fn::If"][1:] for s in _subs(branch)]
    if isinstance(value, dict) and "Fn::Sub" in value:
        return [value["Fn::Sub"]]
    if isinstance(value, str):
        return [value]
    return [s for v in value for s in _subs(v)] if isinstance(value, list) else []  # Ref, GetAtt: no text


def test_no_iam_users_or_access_keys():
    kinds = {r["Type"] for r in PIPELINE["Resources"].values()}
    assert not kinds & {"AWS::IAM::User", "AWS::IAM::AccessKey", "AWS::IAM::UserToGroupAddition"}


@pytest.mark.parametrize("stage", STAGES)
def test_deploy_role_trusts_only_this_repositorys_jobs_in_its_environment(stage):
    [trust] = _role(f"DeployRole{stage.capitalize()}")["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Effect"] == "Allow"
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert set(trust["Principal"]) == {"Federated"}
    federated = trust["Principal"]["Federated"]
    assert {"Ref": "GitHubOidcProvider"} in federated["Fn::If"]
    assert all(s.endswith(f":oidc-provider/{GITHUB}") for s in _subs(federated))
    assert set(trust["Condition"]) == {"StringEquals"}  # no StringLike: no wildcard over environments or branches
    condition = trust["Condition"]["StringEquals"]
    assert condition[f"{GITHUB}:aud"] == "sts.amazonaws.com"
    subjects = _subs(condition[f"{GITHUB}:sub"])
    assert subjects == [
        f"repo:${{GitHubOrg}}@${{GitHubOrgId}}/${{GitHubRepo}}@${{GitHubRepoId}}:environment:{stage}",
        f"repo:${{GitHubOrg}}/${{GitHubRepo}}:environment:{stage}",
    ]
    assert not any("*" in s or "?" in s for s in subjects)


@pytest.mark.parametrize("stage", STAGES)
def test_execution_role_is_assumable_only_by_cloudformation(stage):
    statements = _role(f"CfnExecutionRole{stage.capitalize()}")["AssumeRolePolicyDocument"]["Statement"]
    assert statements == [
        {"Effect": "Allow", "Principal": {"Service": "cloudformation.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]


@pytest.mark.parametrize("stage", STAGES)
def test_deploy_role_passes_only_its_own_execution_role_to_cloudformation(stage):
    passing = [
        s
        for s in _statements(_role(f"DeployRole{stage.capitalize()}"))
        if any(a in ("iam:PassRole", "iam:*", "*") for a in _listed(s["Action"]))
    ]
    assert passing, "the deploy role must pass its execution role"
    for statement in passing:
        assert statement["Resource"] == {"Fn::GetAtt": [f"CfnExecutionRole{stage.capitalize()}", "Arn"]}
        assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}


@pytest.mark.parametrize("stage", STAGES)
def test_deploy_role_drives_only_its_own_stack_with_its_execution_role(stage):
    other = next(s for s in STAGES if s != stage)
    statements = _statements(_role(f"DeployRole{stage.capitalize()}"))
    text = repr(statements)
    assert f"boxoffice-{other}" not in text
    assert f"{other.capitalize()}" not in text
    [change_sets] = [s for s in statements if s.get("Sid") == "ChangeSetsWithTheExecutionRole"]
    assert change_sets["Condition"]["StringEquals"]["cloudformation:RoleArn"] == {
        "Fn::GetAtt": [f"CfnExecutionRole{stage.capitalize()}", "Arn"]
    }


# ---------------------------------------------------------------- workflows


def _all_steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_no_access_keys_in_any_workflow():
    for path in WORKFLOWS.glob("*.y*ml"):
        text = path.read_text()
        assert "aws-access-key-id" not in text, path.name
        assert "aws-secret-access-key" not in text, path.name
        assert not re.search(r"secrets\.AWS_", text), path.name


def test_every_action_is_pinned_to_a_commit():
    for workflow in (DEPLOY, CI):
        for step in _all_steps(workflow):
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", step["uses"]), step["uses"]


def test_only_the_deploy_jobs_may_ask_for_an_oidc_token():
    assert "id-token" not in (DEPLOY.get("permissions") or {})
    assert "id-token" not in (CI.get("permissions") or {})
    for name, job in {**DEPLOY["jobs"], **{f"ci:{k}": v for k, v in CI["jobs"].items()}}.items():
        wants = (job.get("permissions") or {}).get("id-token") == "write"
        assert wants == (name in ("deploy-dev", "deploy-prod")), name


def test_prod_follows_dev_in_its_environment():
    dev, prod = DEPLOY["jobs"]["deploy-dev"], DEPLOY["jobs"]["deploy-prod"]
    assert dev["environment"]["name"] == "dev"
    assert prod["environment"]["name"] == "prod"
    assert "deploy-dev" in _listed(prod["needs"])


def test_pull_requests_run_only_make_test():
    assert "pull_request" not in DEPLOY["on"]
    assert "pull_request_target" not in DEPLOY["on"]
    assert set(DEPLOY["on"]) == {"push"}
    assert DEPLOY["on"]["push"]["branches"] == ["main"]
    assert "pull_request" in CI["on"]
    assert "pull_request_target" not in CI["on"]
    [job] = CI["jobs"].values()
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert runs == ["bash .ci/run"]  # = make test
    assert "make test" in (ROOT / ".ci" / "run").read_text()
