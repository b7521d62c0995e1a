"""One validated settings object, mapped onto the library's POSTGRES_* keys."""

from datetime import time
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FUNDLEDGER_", extra="ignore")

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL")
    )
    home: Path = Path(".fundledger")
    database: str = "fundledger"
    district: str | None = Field(
        default=None, description="with districts, the one a command works on"
    )
    pool_size: int = Field(default=8, ge=1)
    host: str = "127.0.0.1"
    port: int = 8000
    projection_batch: int = Field(default=5000, ge=1)
    aggregate_cache: int = Field(
        default=0, ge=0, description="aggregates kept in memory by the writer"
    )
    sole_writer: bool = Field(
        default=False, description="no other process writes while this one runs"
    )
    token_rate: float = Field(default=100.0, gt=0, description="requests/s a token")
    token_burst: float = Field(default=200.0, ge=1)
    failed_auth_rate: float = Field(
        default=0.2, gt=0, description="requests/s without a valid token, an address"
    )
    failed_auth_burst: float = Field(default=20.0, ge=1)
    whole_verification_interval: int = Field(
        default=3600, ge=0, description="seconds between whole verifications"
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000", description="where alerts link to"
    )
    watch_every: float = Field(
        default=300.0, gt=0, description="seconds between watch rounds"
    )
    nightly_at: time = Field(default=time(2, 0), description="Beijing time")
    digest_copy_to: str | None = Field(
        default=None, description="a folder or an http(s) URL for each digest"
    )
    alert_webhooks: list[str] = []
    alert_emails: list[str] = []
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_from: str = "fundledger@localhost"
    key_passphrase: SecretStr | None = Field(
        default=None, description="encrypts the key that signs digests"
    )
    keys_dir: Path | None = Field(
        default=None, description="the signing key and key set (default home/keys)"
    )

    @model_validator(mode="after")
    def keys_in_home_unless_given(self) -> "Settings":
        if self.keys_dir is None:
            self.keys_dir = self.home / "keys"
        return self
