"""The packaged SAM template: its last fix-up, and its expansion into the plain CloudFormation
that AWS deploys, offline.

`finalize`: Chalice's API definition calls the API function by ``${APIHandler.Arn}`` while the
function's environment names the API's URL (``KARAKURI_BASE_URL``): a dependency cycle
CloudFormation rejects. The definition calls it by its name instead (infra/template.json names
every function ``{stack}-{role}``).

cfn-lint validates `AWS::Serverless::*` resources against SAM's own schemas, which do not carry
the limits of what they become (a function's `Timeout` over 900 s, an event source's
`MaximumRetryAttempts` over 10000): `make package` lints this expansion as well, and the deploy
test creates the stack from it in moto's CloudFormation.

    .venv/bin/python scripts/sam_template.py build/package/sam.json build/package/expanded.json
    (`make package` runs both)
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

# `aws cloudformation package` replaces the local code zip with its S3 location; the expansion
# needs one, and the deploy test uploads the code there.
CODE_BUCKET = "karakuri-code"
CODE_KEY = "deployment.zip"


API_FUNCTION_ARN = "${APIHandler.Arn}"
API_FUNCTION_BY_NAME = (
    "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${AWS::StackName}-api"
)


def finalize(sam: dict[str, Any]) -> dict[str, Any]:
    """The packaged template with the API's definition calling its function by name."""
    api = sam["Resources"]["RestAPI"]["Properties"]
    body = json.dumps(api["DefinitionBody"]).replace(API_FUNCTION_ARN, API_FUNCTION_BY_NAME)
    api["DefinitionBody"] = json.loads(body)
    return sam


def expand(
    sam: dict[str, Any], parameters: dict[str, Any] | None = None, region: str = "us-east-1"
) -> dict[str, Any]:
    """The CloudFormation `aws cloudformation deploy` would create from the SAM template."""
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    template = copy.deepcopy(sam)
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = f"s3://{CODE_BUCKET}/{CODE_KEY}"
    session = boto3.session.Session(region_name=region)
    translator = Translator(None, Parser(), boto_session=session)
    expanded: dict[str, Any] = translator.translate(
        template, parameter_values=dict(parameters or {}), get_managed_policy_map=lambda: {}
    )
    return expanded


def package(root: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """`make package` without the lint, made again when its sources changed (the tests' copy
    of build/package): the finalized SAM template and its expansion."""
    out = root / "build" / "package"
    sources = [root / "infra" / "template.json", root / "app.py", root / ".chalice" / "config.json"]
    built = out / "expanded.json"
    if not built.exists() or max(p.stat().st_mtime for p in sources) > built.stat().st_mtime:
        chalice = Path(sys.executable).parent / "chalice"
        subprocess.run(
            [str(chalice), "package", "--stage", "dev", "--merge-template", "infra/template.json", str(out)],
            cwd=root,
            check=True,
            env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1"},
            capture_output=True,
        )
        main(["", str(out / "sam.json"), str(out / "expanded.json")])
    return json.loads((out / "sam.json").read_text()), json.loads((out / "expanded.json").read_text())


def main(argv: list[str]) -> int:
    source, target = Path(argv[1]), Path(argv[2])
    sam = finalize(json.loads(source.read_text()))
    source.write_text(json.dumps(sam, indent=1))
    target.write_text(json.dumps(expand(sam), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
