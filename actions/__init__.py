"""Custom Rasa actions: they turn the catalogue API's answers into replies (one module per concern)."""

from textnorm.privacy import install_log_masking

install_log_masking()  # phone numbers, CCCD and e-mails never reach the action server's logs


async def _on_stop(*_args: object) -> None:
    """Post the turn records still queued, then close the API connections (no 'Unclosed client session')."""
    from actions.http import close_all
    from actions.records_client import flush_pending

    await flush_pending()
    await close_all()


async def _freeze_heap(*_args: object) -> None:
    """Read the local domain, then move the loaded objects out of the garbage collector's sight: no pauses later."""
    import gc

    from actions.local_domain import local_domain

    local_domain()  # before the first call, which would otherwise wait for it
    gc.collect()
    gc.freeze()


def _hook_server_lifecycle() -> None:
    """Register `_on_stop` and `_freeze_heap` with the action server's Sanic app."""
    try:
        from sanic import Sanic

        app = Sanic.get_app("rasa_sdk")  # rasa_sdk creates it, then imports this package
    except Exception:  # imported elsewhere (tests, scripts): nothing to hook
        return
    from actions.local_domain import install

    install()  # calls Rasa sends without the domain (selective domain) get the one read from bot/domain
    app.register_listener(_on_stop, "before_server_stop")
    app.register_listener(_freeze_heap, "after_server_start")


_hook_server_lifecycle()
