"""What an operator's Prometheus scrapes at /metrics: request latency by
route, how far each read model lags, which have failed, and the commands
refused, by the rule they broke. Each API process counts its own requests."""

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
)

REGISTRY = CollectorRegistry()
REQUESTS = Histogram(
    "fundledger_request_seconds",
    "Time to answer a request, by route and status",
    ["method", "route", "status"],
    registry=REGISTRY,
)
REFUSED = Counter(
    "fundledger_refused_total",
    "Requests refused, by the rule they broke",
    ["rule"],
    registry=REGISTRY,
)
HEAD = Gauge(
    "fundledger_log_head", "Position of the last recorded event", registry=REGISTRY
)
LAG = Gauge(
    "fundledger_read_model_lag_events",
    "Events recorded that a read model has not reached",
    ["read_model"],
    registry=REGISTRY,
)
FAILED = Gauge(
    "fundledger_read_model_failed",
    "1 when a read model stopped at an event it cannot apply",
    ["read_model"],
    registry=REGISTRY,
)
VERIFIED = Gauge(
    "fundledger_chain_verified_position",
    "Position up to which the hash chain is verified",
    registry=REGISTRY,
)
UP = Gauge(
    "fundledger_database_up",
    "1 when the database answered the scrape",
    registry=REGISTRY,
)
