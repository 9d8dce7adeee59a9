"""EQ DKP's REST API as the companion uses it, with the officer's API key."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

USER_AGENT = "dkp-companion"


@dataclass
class Refused(Exception):
    """EQ DKP said no (4xx), or could not be reached (status 0): ``detail`` says why, for a person."""

    status: int
    code: str
    detail: str
    body: dict[str, Any] | None = None

    def __str__(self) -> str:
        return self.detail


class Api:
    def __init__(self, base_url: str, api_key: str, *, timeout: float = 15.0, transport: Any = None) -> None:
        self.base_url = base_url.rstrip("/") + "/api/v1"
        self.client = httpx.Client(
            headers={"Authorization": f"Bearer {api_key}", "User-Agent": USER_AGENT, "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self.client.close()

    def _call(self, method: str, path: str, *, key: str | None = None, **options: Any) -> Any:
        headers = {"Idempotency-Key": key} if key else {}
        try:
            response = self.client.request(method, self.base_url + path, headers=headers, **options)
        except httpx.HTTPError as error:
            raise Refused(0, "unreachable", f"EQ DKP cannot be reached at {self.base_url}: {error}.") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            detail = body.get("detail") if isinstance(body, dict) else None
            code = body.get("error") if isinstance(body, dict) else None
            raise Refused(
                response.status_code,
                str(code or response.status_code),
                str(detail or f"EQ DKP answered {response.status_code}."),
                body if isinstance(body, dict) else None,
            )
        return body

    # --- reading ---

    def raids(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/raids/", params={"ordering": "-starts_at", "page_size": 20})["results"])

    def raid(self, raid_id: int) -> dict[str, Any]:
        return dict(self._call("GET", f"/raids/{raid_id}/"))

    def open_auctions(self, raid_id: int) -> list[dict[str, Any]]:
        page = self._call("GET", "/auctions/", params={"status": "open", "raid": raid_id, "page_size": 200})
        return list(page["results"])

    def auction(self, auction_id: int) -> dict[str, Any]:
        return dict(self._call("GET", f"/auctions/{auction_id}/"))

    # --- writing: each with the key that makes a repeat harmless ---

    def open_auction(self, *, item: str, pool: int, raid: int, quantity: int, note: str, key: str) -> dict[str, Any]:
        payload = {"item": item, "pool": pool, "raid": raid, "quantity": quantity, "note": note}
        return dict(self._call("POST", "/auctions/", json=payload, key=key))

    def close_auction(self, auction_id: int, *, key: str) -> dict[str, Any]:
        return dict(self._call("POST", f"/auctions/{auction_id}/close/", key=key))

    def cancel_auction(self, auction_id: int, *, reason: str, key: str) -> dict[str, Any]:
        return dict(self._call("POST", f"/auctions/{auction_id}/cancel/", json={"reason": reason}, key=key))

    def game_bid(
        self, auction_id: int, *, character: str, amount: str, tag: str | None, told_at: str | None, key: str
    ) -> dict[str, Any]:
        payload = {"character_name": character, "amount": amount, "tag": tag, "told_at": told_at}
        return dict(self._call("POST", f"/auctions/{auction_id}/game-bid/", json=payload, key=key))

    def preview_tick(self, raid_id: int, path: Path, *, key: str) -> dict[str, Any]:
        files = {"files": (path.name, path.read_bytes(), "text/plain")}
        return dict(self._call("POST", "/ticks/", data={"raid": raid_id, "preview": "true"}, files=files, key=key))

    def confirm_tick(self, raid_id: int, token: str, *, key: str) -> dict[str, Any]:
        return dict(self._call("POST", "/ticks/", json={"raid": raid_id, "preview_token": token}, key=key))

    def guild_dump(self, path: Path, *, key: str) -> dict[str, Any]:
        files = {"file": (path.name, path.read_bytes(), "text/plain")}
        return dict(self._call("POST", "/guild-dumps/", files=files, key=key))
