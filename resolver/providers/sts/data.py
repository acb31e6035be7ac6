"""botocore's data files (service models, partitions), found and read without importing
botocore: its package directory is located by ``importlib``'s finder, which does not run
the package.

The search order is botocore ``Loader``'s: the ``AWS_DATA_PATH`` entries, then
``~/.aws/models``, then botocore's own ``data`` directory.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any


@functools.lru_cache(maxsize=1)
def botocore_data_dir() -> Path | None:
    """botocore's ``data`` directory (None when botocore is not installed)."""
    import importlib.util

    spec = importlib.util.find_spec("botocore")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    return Path(locations[0]) / "data" if locations else None


def search_paths(data_path: str | None) -> list[Path]:
    """Where botocore's loader looks for data, in its order, for ``AWS_DATA_PATH`` =
    ``data_path`` (None: unset)."""
    extra = [] if not data_path else data_path.split(os.pathsep)
    paths = [Path(os.path.expanduser(path)) for path in extra]
    paths.append(Path(os.path.expanduser(os.path.join("~", ".aws", "models"))))
    builtin = botocore_data_dir()
    if builtin is not None:
        paths.append(builtin)
    return paths


def read_json(path: Path) -> Any:
    """A JSON data file, plain or gzip-compressed (``.json.gz``)."""
    import json

    if path.name.endswith(".gz"):
        import gzip

        with gzip.open(path, "rb") as handle:
            return json.loads(handle.read())
    return json.loads(path.read_bytes())


def find_data_file(relative: str, data_path: str | None) -> Path | None:
    """The first ``relative`` (``partitions.json``) on the search path, plain or ``.gz``."""
    for directory in search_paths(data_path):
        for candidate in (directory / relative, directory / f"{relative}.gz"):
            if candidate.is_file():
                return candidate
    return None


def model_file(service: str, type_name: str, data_path: str | None) -> Path | None:
    """``service``'s ``type_name`` file (``service-2``, ``endpoint-rule-set-1``) as
    botocore's ``load_service_model`` picks it: the newest API version that has one on
    any search path, from the first path that has that version's file."""
    versions = set()
    for directory in search_paths(data_path):
        folder = directory / service
        if not folder.is_dir():
            continue
        for version in folder.iterdir():
            if any((version / f"{type_name}{ext}").is_file() for ext in (".json", ".json.gz")):
                versions.add(version.name)
    if not versions:
        return None
    return find_data_file(f"{service}/{max(versions)}/{type_name}.json", data_path)
