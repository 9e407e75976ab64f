"""template.yaml as data, for the tests (the reader lives with the local-stack tooling, which uses it too)."""

import copy
import json
import subprocess
from functools import cache

from boxoffice_dev.template import (  # noqa: F401
    ROOT,
    TEMPLATE,
    functions,
    handler_module,
    load,
    parameter_default,
    resources,
)

# SAM's translator lives in the SAM CLI's own virtualenv (it pins a pydantic the functions do not use).
SAM_PYTHON = ROOT / ".venvs" / "sam" / "bin" / "python"
_TRANSFORM = """
import json, os, sys
from samtranslator.translator.transform import transform

class NoManagedPolicies:  # AWS managed policy names would be looked up in IAM; the template names none
    def load(self):
        return {}

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
request = json.load(sys.stdin)
print(json.dumps(transform(request["template"], request["parameters"], NoManagedPolicies())))
"""


DEV = (("Stage", "dev"),)
PROD = (("Stage", "prod"), ("GradualDeploys", "true"), ("DeployType", "Canary10Percent5Minutes"))


@cache
def transformed(parameters: tuple[tuple[str, str], ...] = DEV) -> dict:
    """The template as `sam deploy` hands it to CloudFormation with these parameter values: transformed by the SAM
    CLI's own translator, with the code's address as `sam package` makes it."""
    document = copy.deepcopy(load())
    document["Globals"]["Function"]["CodeUri"] = "s3://artifacts/functions.zip"
    request = {"template": document, "parameters": dict(parameters)}
    out = subprocess.run(
        [str(SAM_PYTHON), "-c", _TRANSFORM], input=json.dumps(request), capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)
