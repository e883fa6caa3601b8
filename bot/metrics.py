"""Counters for /metrics (Prometheus text format). Labels never carry who a resident is."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.inbound = Counter(
            "benken_inbound_messages", "Inbound messages handled", ["channel"], registry=self.registry
        )
        self.duplicates = Counter(
            "benken_inbound_duplicates", "Re-delivered inbound messages answered from the log", ["channel"],
            registry=self.registry,
        )
        self.rejected = Counter(
            "benken_webhook_rejected", "Webhook requests refused", ["route", "reason"], registry=self.registry
        )
        self.replies_failed = Counter(
            "benken_replies_failed", "Answers to an inbound message the provider refused", ["channel", "error"],
            registry=self.registry,
        )
        self.outbox = Counter(
            "benken_outbox_results", "Outbox sends by outcome", ["channel", "outcome"], registry=self.registry
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
