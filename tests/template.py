"""template.yaml as data, for the tests (the reader lives with the local-stack tooling, which uses it too)."""

from boxoffice_dev.template import (  # noqa: F401
    ROOT,
    TEMPLATE,
    functions,
    handler_module,
    load,
    parameter_default,
    resources,
)
