"""botocore's data loader, without listing every service to load one.

``Loader.load_service_model`` first lists all available services (a directory and a
stat for each of the ~420 services botocore ships) just to check that the one asked for
is among them, and does so for each model type a client needs: about 900 ``stat`` and
``listdir`` calls, 15-30 ms per process, for STS alone. ``DirectLoader`` answers that
check for the service being loaded only, by looking for its own versions, so a missing
service or model type still fails as botocore's does (``UnknownServiceError``). Everything
else (search paths incl. ``AWS_DATA_PATH`` and ``~/.aws/models``, extras, caching) is
botocore's own.
"""

from __future__ import annotations

import threading
from typing import Any

from botocore.exceptions import DataNotFoundError
from botocore.loaders import Loader


class DirectLoader(Loader):
    """A ``Loader`` whose service check looks at the requested service only."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._loading = threading.local()

    def load_service_model(
        self, service_name: str, type_name: str, api_version: str | None = None
    ) -> Any:
        self._loading.service = service_name
        try:
            return super().load_service_model(service_name, type_name, api_version)
        finally:
            self._loading.service = None

    def list_available_services(self, type_name: str) -> list[str]:
        service = getattr(self._loading, "service", None)
        if service is None:  # someone wants the whole list: botocore's own
            return list(super().list_available_services(type_name))
        try:
            self.list_api_versions(service, type_name)
        except DataNotFoundError:
            return []
        return [service]


def direct_loader(loader: Loader) -> DirectLoader:
    """A ``DirectLoader`` with ``loader``'s search paths (and nothing else added)."""
    return DirectLoader(
        extra_search_paths=list(loader.search_paths), include_default_search_paths=False
    )
