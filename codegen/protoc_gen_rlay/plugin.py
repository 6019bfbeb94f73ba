"""The protoc side: CodeGeneratorRequest in, CodeGeneratorResponse out.

Example (what protoc does)::

    response = run(request)  # request: plugin_pb2.CodeGeneratorRequest
    assert not response.error
"""

from __future__ import annotations

import sys

from google.protobuf.compiler import plugin_pb2

from protoc_gen_rlay.backends import BACKENDS
from protoc_gen_rlay.model import UnsupportedFeature, build_model


def parse_parameter(parameter: str) -> dict[str, str]:
    """``"lang=csharp,foo=bar"`` -> ``{"lang": "csharp", "foo": "bar"}``."""
    options: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in parameter.split(","))):
        key, sep, value = item.partition("=")
        if not sep:
            raise UnsupportedFeature(f"plugin parameter {item!r} is not key=value")
        options[key.strip()] = value.strip()
    return options


def run(request: plugin_pb2.CodeGeneratorRequest) -> plugin_pb2.CodeGeneratorResponse:
    """Generate the files for ``request``; errors go into ``response.error``."""
    response = plugin_pb2.CodeGeneratorResponse()
    try:
        options = parse_parameter(request.parameter)
        lang = options.pop("lang", "")
        if lang not in BACKENDS:
            raise UnsupportedFeature(
                f"unknown or missing lang={lang!r}; choose one of {sorted(BACKENDS)}"
            )
        model = build_model(request.proto_file, request.file_to_generate)
        for name, content in BACKENDS[lang](model, options):
            generated = response.file.add()
            generated.name = name
            generated.content = content
    except UnsupportedFeature as error:
        response.Clear()
        response.error = str(error)
    return response


def main() -> None:
    """Entry point protoc calls: the request on stdin, the response on stdout."""
    request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
    sys.stdout.buffer.write(run(request).SerializeToString())
