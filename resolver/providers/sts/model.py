"""The STS service model, read from botocore's data without importing botocore.

The model is found as botocore's ``Loader`` finds it: the search path of ``data.py``
(``AWS_DATA_PATH``, ``~/.aws/models``, botocore's data), the newest API version that has a
``service-2`` file on any of them, that file from the first path holding it (plain JSON
before ``.json.gz``), then its ``sdk-extras`` merged in. Shapes resolve as botocore's
``ShapeResolver`` resolves them: a member reference's traits (``locationName``...) are laid
over the shape it names.
"""

from __future__ import annotations

import functools
from typing import Any

from resolver.providers.sts.data import find_data_file, model_file, read_json

SERVICE = "sts"
MODEL_TYPE = "service-2"
EXTRAS_TYPES = ("sdk",)  # botocore's ``Loader.BUILTIN_EXTRAS_TYPES``


class UnknownOperationError(LookupError):
    """The service model has no operation of that name."""


class ModelNotFoundError(LookupError):
    """No ``service-2`` data for the service on the search path."""


class Shape:
    """One resolved shape: the named shape's definition with the member traits over it."""

    __slots__ = ("_children", "_model", "name", "raw", "type_name")

    def __init__(self, name: str, raw: dict[str, Any], model: ServiceModel) -> None:
        self.name = name
        self.raw = raw
        self.type_name: str = raw["type"]
        self._model = model
        self._children: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"Shape({self.name!r}, {self.type_name!r})"

    def _child(self, key: str) -> Shape:
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = self._model.resolve(self.raw[key])
        return found

    @property
    def members(self) -> dict[str, Shape]:
        """A structure's members by name, in the model's order."""
        found = self._children.get("members")
        if found is None:
            refs = self.raw.get("members", {})
            found = {name: self._model.resolve(ref) for name, ref in refs.items()}
            self._children["members"] = found
        return found

    @property
    def member(self) -> Shape:
        """A list's member shape."""
        return self._child("member")

    @property
    def key(self) -> Shape:
        """A map's key shape."""
        return self._child("key")

    @property
    def value(self) -> Shape:
        """A map's value shape."""
        return self._child("value")

    @property
    def location_name(self) -> str | None:
        """The serialized name (botocore's ``serialization['name']``)."""
        return self.raw.get("locationName")

    @property
    def flattened(self) -> bool:
        return bool(self.raw.get("flattened"))

    @property
    def is_exception(self) -> bool:
        return bool(self.raw.get("exception"))

    @property
    def error_code(self) -> str | None:
        """An exception shape's code: ``error.code`` if modeled, else its name."""
        if not self.is_exception:
            return None
        return self.raw.get("error", {}).get("code") or self.name


class Operation:
    """One operation: its name, HTTP binding, input and output shapes."""

    __slots__ = ("_model", "input_shape", "name", "output_shape", "raw")

    def __init__(self, name: str, raw: dict[str, Any], model: ServiceModel) -> None:
        self.name = name
        self.raw = raw
        self._model = model
        self.input_shape = model.resolve(raw["input"]) if "input" in raw else None
        self.output_shape = model.resolve(raw["output"]) if "output" in raw else None

    def __repr__(self) -> str:
        return f"Operation({self.name!r})"

    @property
    def http_method(self) -> str:
        return str(self.raw.get("http", {}).get("method", "POST"))

    @property
    def request_uri(self) -> str:
        return str(self.raw.get("http", {}).get("requestUri", "/"))

    @property
    def error_shapes(self) -> list[Shape]:
        """The errors the operation models (botocore's ``OperationModel.error_shapes``)."""
        return [self._model.resolve(ref) for ref in self.raw.get("errors", [])]


class ServiceModel:
    """A service model's operations, shapes and metadata (the decoded ``service-2``)."""

    def __init__(self, raw: dict[str, Any], service_name: str = SERVICE) -> None:
        self.raw = raw
        self.service_name = service_name
        self.metadata: dict[str, Any] = raw.get("metadata", {})
        self._shapes: dict[str, Shape] = {}
        self._operations: dict[str, Operation] = {}
        self._errors: dict[str, Shape] | None = None
        self.botocore_model: Any = None  # botocore's ServiceModel, built on a rare path

    def __repr__(self) -> str:
        return f"ServiceModel({self.service_name!r}, {self.api_version!r})"

    @property
    def api_version(self) -> str:
        return str(self.metadata["apiVersion"])

    def shape(self, name: str) -> Shape:
        """The named shape (as defined, no member traits)."""
        found = self._shapes.get(name)
        if found is None:
            found = self._shapes[name] = Shape(name, self.raw["shapes"][name], self)
        return found

    def resolve(self, ref: dict[str, Any]) -> Shape:
        """The shape a reference names, with the reference's traits laid over it."""
        if len(ref) == 1:
            return self.shape(ref["shape"])
        traits = {key: value for key, value in ref.items() if key != "shape"}
        return Shape(ref["shape"], {**self.raw["shapes"][ref["shape"]], **traits}, self)

    def operation(self, name: str) -> Operation:
        """The named operation; an ``UnknownOperationError`` if the model has none."""
        found = self._operations.get(name)
        if found is None:
            raw = self.raw.get("operations", {}).get(name)
            if raw is None:
                known = ", ".join(sorted(self.raw.get("operations", {})))
                raise UnknownOperationError(
                    f"{self.service_name} has no operation {name!r} (known: {known})"
                )
            found = self._operations[name] = Operation(name, raw, self)
        return found

    @property
    def error_shapes(self) -> dict[str, Shape]:
        """Every exception shape by its error code (botocore's ``shape_for_error_code``)."""
        if self._errors is None:
            shapes = (self.shape(name) for name in self.raw.get("shapes", {}))
            self._errors = {s.error_code: s for s in shapes if s.error_code is not None}
        return self._errors

    def shape_for_error_code(self, code: str) -> Shape | None:
        return self.error_shapes.get(code)


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> None:
    """botocore's ``deep_merge``: ``extra`` over ``base``, dicts merged key by key."""
    for key, value in extra.items():
        if isinstance(base.get(key), dict) and isinstance(value, dict):
            _deep_merge(base[key], value)
        else:
            base[key] = value


def load_service_data(service: str, data_path: str | None) -> dict[str, Any]:
    """``service``'s decoded ``service-2`` (newest version, extras merged), as botocore's
    loader reads it for ``AWS_DATA_PATH`` = ``data_path``."""
    found = model_file(service, MODEL_TYPE, data_path)
    if found is None:
        raise ModelNotFoundError(f"no {MODEL_TYPE} data for {service} on the data path")
    version = found.parent.name
    raw: dict[str, Any] = read_json(found)
    for kind in EXTRAS_TYPES:
        extras = find_data_file(f"{service}/{version}/{MODEL_TYPE}.{kind}-extras.json", data_path)
        if extras is not None:
            extra = read_json(extras)
            if "merge" in extra:
                _deep_merge(raw, extra["merge"])
    return raw


def botocore_service_model(model: ServiceModel) -> Any:
    """botocore's ``ServiceModel`` of the same data (built once, on a rare path)."""
    if model.botocore_model is None:
        from botocore.model import ServiceModel as BotocoreServiceModel

        model.botocore_model = BotocoreServiceModel(model.raw, model.service_name)
    return model.botocore_model


@functools.lru_cache(maxsize=4)
def sts_model(data_path: str | None = None) -> ServiceModel:
    """The STS service model for ``AWS_DATA_PATH`` = ``data_path`` (None: unset)."""
    return ServiceModel(load_service_data(SERVICE, data_path))
