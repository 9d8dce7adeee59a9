"""The API's router (kept out of ``dkp.core.api``, which must not import ``rest_framework.views``)."""

from __future__ import annotations

from typing import Any

from rest_framework.routers import SimpleRouter

from dkp.core.api import WholeNumberLookup


class GuildRouter(SimpleRouter):
    """DRF's router, refusing a viewset with detail routes that does not read its id strictly."""

    def register(self, prefix: str, viewset: Any, basename: str | None = None) -> None:
        if not issubclass(viewset, WholeNumberLookup):
            raise TypeError(f"{viewset.__name__} must mix in dkp.core.api.WholeNumberLookup")
        super().register(prefix, viewset, basename)
