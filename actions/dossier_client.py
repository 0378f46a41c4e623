"""Client for the dossier lookup and subscription endpoints (docs/contracts.md, issue 4)."""

from __future__ import annotations

from typing import Any

from actions.internal_client import InternalClient, api_url, internal_token


class DossierClient(InternalClient):
    """Lookups count attempts per citizen address (or sender) because we send the internal token."""

    async def lookup(
        self, code: str, phone_last4: str, sender: str, client_ip: str | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """The API's answer: status found / not_found / invalid_code / locked (429 becomes status 'busy').

        `client_ip`: the citizen's address as the channel saw it (the lockout counts per address);
        `token`: the proof from this conversation's earlier lookup of the same code (passes a lock).
        """
        body = {"code": code, "phone_last4": phone_last4, "sender": sender, "client_ip": client_ip, "token": token}
        response = await self.request("POST", "/api/v1/dossiers/lookup", json=body)
        if response.status_code == 429:
            return {"status": "busy", "retry_after_seconds": int(response.headers.get("Retry-After", "60") or 60)}
        if response.status_code >= 400:
            return {"status": "not_found"}
        result: dict[str, Any] = response.json()
        return result

    async def subscribe(self, code: str, token: str, recipient: str) -> bool:
        """True when the lookup's token checked out and the subscription is stored."""
        body = {"code": code, "token": token, "recipient": recipient}
        response = await self.request("POST", "/api/v1/dossiers/subscriptions", json=body)
        return response.status_code in (200, 201)

    async def unsubscribe(self, code: str, recipient: str) -> None:
        """Remove the subscription (idempotent on the API side)."""
        await self.request("DELETE", "/api/v1/dossiers/subscriptions", params={"code": code, "recipient": recipient})


_client: DossierClient | None = None


def get_dossier_client() -> DossierClient:
    """The process-wide client, created on first use."""
    global _client
    if _client is None:
        _client = DossierClient(api_url(), internal_token())
    return _client
