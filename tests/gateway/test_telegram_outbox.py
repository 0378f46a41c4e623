"""Status-change pushes: the real API's outbox → the gateway's poller → the subscribed Telegram chat."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import Iterator

import httpx
import pytest

from api.catalogue.loader import Catalogue
from tests.api.dossier_servers import INTERNAL, api, dossier, fresh_db, integ, internal
from tests.gateway.fake_bot_api import FakeBotApi
from tests.gateway.harness import gateway_settings, running_gateway


@pytest.fixture(scope="module")
def outbox_api(catalogue: Catalogue, logdir: pathlib.Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real API with the integration and internal tokens, on its own database."""
    with api(fresh_db(tmp_path_factory.mktemp("outbox"), catalogue), logdir, "api-outbox") as url:
        yield url


def subscribe(url: str, code: str, chat_id: int) -> None:
    """A dossier received, and the chat subscribed to it as the lookup form does."""
    assert httpx.put(f"{url}/api/v1/dossiers/{code}", json=dossier(), headers=integ()).status_code in (200, 201)
    body = {"code": code, "phone_last4": "5678", "recipient": f"telegram:{chat_id}"}
    assert httpx.post(f"{url}/api/v1/dossiers/subscriptions", json=body, headers=internal()).status_code == 201


def pending_for(url: str, chat_id: int) -> list[dict[str, object]]:
    r = httpx.get(f"{url}/api/v1/notifications", params={"channel": "telegram"}, headers=internal())
    r.raise_for_status()
    return [n for n in r.json() if n["recipient"] == f"telegram:{chat_id}"]


async def test_status_change_is_pushed_and_acknowledged(fake_bot: FakeBotApi, outbox_api: str, chat_id: int) -> None:
    code = "000.00.31.H26-260112-0601"
    subscribe(outbox_api, code, chat_id)
    settings = gateway_settings(fake_bot.base_url, "http://127.0.0.1:9", dvc_api_url=outbox_api, dvc_internal_token=INTERNAL)
    async with running_gateway(settings):
        moved = httpx.put(f"{outbox_api}/api/v1/dossiers/{code}", json=dossier("result_ready"), headers=integ())
        assert moved.status_code == 200
        await fake_bot.wait_for(lambda: len(fake_bot.sent(chat_id)) >= 1, timeout=20)
        await fake_bot.wait_for(lambda: not pending_for(outbox_api, chat_id), timeout=10)
    text = fake_bot.sent(chat_id)[0]["text"]
    assert code in text
    assert "5678" not in text and "Bí Mật" not in text  # no personal data in the push
    assert len(fake_bot.sent(chat_id)) == 1  # acknowledged: never sent twice


async def test_a_failed_send_is_retried_next_round(fake_bot: FakeBotApi, outbox_api: str, chat_id: int) -> None:
    code = "000.00.31.H26-260112-0602"
    subscribe(outbox_api, code, chat_id)
    fake_bot.fail_send_for.add(chat_id)
    settings = gateway_settings(fake_bot.base_url, "http://127.0.0.1:9", dvc_api_url=outbox_api, dvc_internal_token=INTERNAL)
    async with running_gateway(settings):
        httpx.put(f"{outbox_api}/api/v1/dossiers/{code}", json=dossier("in_progress"), headers=integ()).raise_for_status()
        await fake_bot.wait_for(lambda: len(fake_bot.sent(chat_id)) >= 2, timeout=20)  # two failed rounds
        assert len(pending_for(outbox_api, chat_id)) == 1  # not acknowledged while Telegram fails
        fake_bot.fail_send_for.discard(chat_id)
        await fake_bot.wait_for(lambda: not pending_for(outbox_api, chat_id), timeout=20)
    assert fake_bot.sent(chat_id)[-1]["text"] == fake_bot.sent(chat_id)[0]["text"]


async def test_api_down_does_not_stop_the_poller(fake_bot: FakeBotApi, chat_id: int) -> None:
    settings = gateway_settings(fake_bot.base_url, "http://127.0.0.1:9", dvc_api_url="http://127.0.0.1:9", dvc_internal_token="x")
    async with running_gateway(settings) as app:
        pollers = [t for t in asyncio.all_tasks() if "forever" in repr(t.get_coro())]
        await asyncio.sleep(1.0)  # several failed rounds against a closed port
        assert len(pollers) == 1 and not pollers[0].done()
        assert app.running
