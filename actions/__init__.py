"""Custom Rasa actions: they turn the catalogue API's answers into replies (one module per concern)."""

from textnorm.privacy import install_log_masking

install_log_masking()  # phone numbers, CCCD and e-mails never reach the action server's logs


def _close_http_on_stop() -> None:
    """Close the API connections when the action server stops, so its log ends without 'Unclosed client session'."""
    try:
        from sanic import Sanic

        app = Sanic.get_app("rasa_sdk")  # rasa_sdk creates it, then imports this package
    except Exception:  # imported elsewhere (tests, scripts): nothing to hook
        return
    from actions.http import close_all

    app.register_listener(close_all, "before_server_stop")


_close_http_on_stop()
