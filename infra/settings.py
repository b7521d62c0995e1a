"""One validated settings object, mapped onto the library's POSTGRES_* keys."""

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FUNDLEDGER_", extra="ignore")

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL")
    )
    home: Path = Path(".fundledger")
    database: str = "fundledger"
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
