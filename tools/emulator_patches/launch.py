"""Start ministack with Boxoffice's local-stack patches applied (run by boxoffice_dev.emulator on the emulator venv).

Each patch module fixes one place where the emulator, not Boxoffice, caps a figure, or where it reads a template
differently from AWS; its docstring says what and why. None changes what a correct AWS would answer.
"""

import importlib
import sys

PATCHES: tuple[str, ...] = ("dynamodb_query_pages", "lambda_log_drain", "esm_scaling_config")


def main() -> None:
    for name in PATCHES:
        importlib.import_module(name).apply()
    from ministack.app import main as ministack_main

    sys.argv[0] = "ministack"
    ministack_main()


if __name__ == "__main__":
    main()
