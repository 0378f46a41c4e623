"""Settings every gateway shares, from the environment (names shared with the rest of the stack, so no prefix)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class CoreSettings(BaseSettings):
    """Where Rasa and the API are, and the tokens that prove the gateway to them; secrets from the environment only."""

    model_config = SettingsConfigDict(env_prefix="", env_file=None, extra="ignore")

    rasa_url: str = "http://127.0.0.1:5005"
    dvc_api_url: str = "http://127.0.0.1:8000"
    dvc_internal_token: str = ""
    dvc_gateway_token: str = ""  # proves the gateway to Rasa's gateway channel (bot/channels.py)
