"""protoc-gen-rlay: the project's protoc plugin.

It turns the rlay contract (proto/rlay/v1/*.proto) into dependency-free
codecs for the engine bindings, one backend per language::

    python -m grpc_tools.protoc -Iproto --plugin=protoc-gen-rlay=codegen/protoc-gen-rlay \
        --rlay_out=lang=csharp:csharp-unity/Runtime/Core/Generated proto/rlay/v1/*.proto
"""

from protoc_gen_rlay.model import Model, UnsupportedFeature, build_model

__all__ = ["Model", "UnsupportedFeature", "build_model"]
