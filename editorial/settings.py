"""Settings from ``EDITORIAL_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = f"sqlite:///{Path('var/editorial.db').absolute()}"


class Settings(BaseSettings):
    """Runtime configuration; every field maps to ``EDITORIAL_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="EDITORIAL_", extra="ignore")

    environment: str = Field("development", description="development, test or production")
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    access_log: bool = True
    db_pool_size: int = 10
    db_max_overflow: int = 10
    sqlite_busy_timeout_ms: int = 10_000
    sqlite_wal_autocheckpoint: int = Field(
        100, ge=0, description="WAL pages after which a commit checkpoints (SQLite's default: 1,000; 0: never)"
    )
    max_request_bytes: int = 4 * 1024 * 1024
    page_limit_default: int = 50
    page_limit_max: int = 200
    token_prefix: str = Field("edt", pattern=r"^[a-z0-9]{1,10}$", description="visible start of every API token")
    scheduler_in_process: bool | None = Field(
        None, description="run the scheduler inside serve; default: yes on SQLite, no on PostgreSQL"
    )
    scheduler_max_sleep_seconds: float = Field(30.0, gt=0, description="longest sleep between due-time checks")
    scheduler_batch: int = Field(100, ge=1, le=1000, description="due articles claimed per transaction")
    scheduler_on_time_seconds: float = Field(2.0, ge=0, description="lateness still counted as on time")
    scheduler_retry_seconds: float = Field(5.0, gt=0, description="first back-off after a failed firing")
    scheduler_retry_max_seconds: float = Field(300.0, gt=0, description="longest back-off")
    webhook_allow_private_targets: bool = Field(
        False, description="let webhooks target loopback, private and other non-public addresses (tests, intranets)"
    )
    webhook_worker_in_process: bool | None = Field(
        None, description="run the webhook delivery worker inside serve; default: yes on SQLite, no on PostgreSQL"
    )
    webhook_timeout_seconds: float = Field(10.0, gt=0, description="time allowed for one delivery attempt")
    webhook_retry_seconds: float = Field(5.0, gt=0, description="first back-off after a failed attempt")
    webhook_retry_max_seconds: float = Field(3600.0, gt=0, description="longest back-off between attempts")
    webhook_disable_after_failures: int = Field(
        50, ge=1, description="failed attempts in a row, across its deliveries, that disable a webhook"
    )
    webhook_max_attempts: int = Field(
        100, ge=1, description="attempts before one delivery is marked failed while its webhook otherwise succeeds"
    )
    webhook_concurrency: int = Field(
        16, ge=1, le=100, description="connections one worker keeps to each target (requests in flight to it at once)"
    )
    webhook_batch_size: int = Field(512, ge=1, le=1000, description="deliveries claimed per transaction")
    webhook_retention_days: float = Field(
        30.0, ge=0, description="days a delivered delivery and its attempts are kept; 0 keeps them for ever"
    )
    webhook_prune_interval_seconds: float = Field(3600.0, gt=0, description="how often a worker prunes the log")
    webhook_max_sleep_seconds: float = Field(30.0, gt=0, description="longest sleep between checks for due deliveries")
    diff_budget_seconds: float = Field(0.5, gt=0, description="worst-case time for one diff request (all fields)")
    diff_cache_entries: int = Field(512, ge=0, description="diffs kept in memory per process")
    demo_data: bool = Field(False, description="load demo desks, users and articles on an empty database")
    metrics_token: SecretStr | None = Field(
        None, description="bearer token that may read /metrics from any address (without it: loopback only)"
    )
    metrics_loopback: bool = Field(
        True, description="serve /metrics without a token to loopback clients; turn off behind a proxy on the host"
    )
    token_failure_limit: int = Field(30, ge=1, description="refused tokens per client address within the window")
    token_failure_window_seconds: float = Field(
        60.0, gt=0, description="window of the token failure limit; past the limit, 429 until it clears"
    )
    auth_cache_seconds: float = Field(
        5.0,
        ge=0,
        description="how long a process reuses a token's principal; another process's revocation is seen within"
        " this (0: look every token up on every request)",
    )

    @model_validator(mode="after")
    def _normalise_url(self) -> Settings:
        # Accept the common "postgresql://" spelling and route it to psycopg 3.
        if self.database_url.startswith(("postgres://", "postgresql://")):
            _, rest = self.database_url.split("://", 1)
            self.database_url = f"postgresql+psycopg://{rest}"
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
