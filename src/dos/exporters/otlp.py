"""The ``otlp`` exporter: verdicts as OTLP/HTTP logs, traces and metrics, correlated by ``run_id``.

Built with the official ``opentelemetry-proto`` messages (the ``otlp`` extra) and POSTed as
protobuf to ``<endpoint>/v1/logs``, ``/v1/traces`` and ``/v1/metrics``. Every event of one
run shares a trace id derived from its ``run_id``; each event's span id is derived from the
workspace and its ``seq``, so a re-sent event carries the same ids and a collector can drop
the copy; each metric data point carries an exemplar pointing at that span.
"""

from __future__ import annotations

import time
from typing import Any, Mapping, Sequence

from dos.exporters import SEVERITY_NUMBER, ExportResult, last_seq, severity

EXTRA = "OTLP exporter needs the [otlp] extra — pip install 'dos[otlp]'"
SIGNALS = ("logs", "traces", "metrics")
RETRY_STATUS = (429, 502, 503, 504)


def available() -> bool:
    try:
        import opentelemetry.proto.collector.logs.v1.logs_service_pb2  # noqa: F401
    except ImportError:
        return False
    return True


def _digest(text: str, n: int) -> bytes:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).digest()[:n]


class OtlpExporter:
    name = "otlp"

    def __init__(self, endpoint: str = "", dry_run: bool = False, headers: Mapping[str, str] | None = None,
                 root: str = "", timeout: float = 10.0, signals: Sequence[str] = SIGNALS, retries: int = 2,
                 backoff_s: float = 0.5) -> None:
        self.endpoint = (endpoint or "http://localhost:4318").rstrip("/")
        self.dry_run = dry_run
        self.headers = dict(headers or {})
        self.root = root
        self.timeout = timeout
        self.signals = tuple(signals)
        self.retries = retries
        self.backoff_s = backoff_s

    @property
    def target(self) -> str:
        return self.endpoint

    def check(self) -> str:
        if not available():
            return EXTRA
        if not self.endpoint.startswith(("http://", "https://")):
            return f"endpoint {self.endpoint!r} is not an http(s):// URL"
        return ""

    # ------------------------------------------------------------------ ids and attributes

    def trace_id(self, e: Mapping[str, Any]) -> bytes:
        key = (f"run:{e['run_id']}" if e.get("run_id") else f"session:{e['session']}" if e.get("session")
               else f"seq:{self.root}:{e.get('seq')}")
        return _digest(key, 16)

    def span_id(self, e: Mapping[str, Any]) -> bytes:
        return _digest(f"event:{self.root}:{e.get('seq')}", 8)

    @staticmethod
    def _attrs(e: Mapping[str, Any]) -> list[Any]:
        from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

        out = []
        for key in ("syscall", "verdict", "run_id", "session", "lane", "subject", "source"):
            if e.get(key):
                out.append(KeyValue(key=f"dos.{key}", value=AnyValue(string_value=str(e[key]))))
        out.append(KeyValue(key="dos.seq", value=AnyValue(int_value=int(e.get("seq") or 0))))
        for k, v in (e.get("detail") or {}).items():
            if isinstance(v, bool):
                value = AnyValue(bool_value=v)
            elif isinstance(v, int):
                value = AnyValue(int_value=v)
            elif isinstance(v, float):
                value = AnyValue(double_value=v)
            elif v is None:
                continue
            else:
                value = AnyValue(string_value=str(v))
            out.append(KeyValue(key=f"dos.detail.{k}", value=value))
        return out

    def _resource(self) -> Any:
        import socket

        from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
        from opentelemetry.proto.resource.v1.resource_pb2 import Resource

        attrs = {"service.name": "dos", "host.name": socket.gethostname(), "dos.workspace": self.root}
        return Resource(attributes=[KeyValue(key=k, value=AnyValue(string_value=v)) for k, v in attrs.items() if v])

    @staticmethod
    def _scope() -> Any:
        from opentelemetry.proto.common.v1.common_pb2 import InstrumentationScope

        from dos._version import __version__

        return InstrumentationScope(name="dos", version=__version__)

    @staticmethod
    def _ns(e: Mapping[str, Any]) -> int:
        return int(e.get("ts_ms") or 0) * 1_000_000

    # ------------------------------------------------------------------ the three requests

    def logs(self, events: Sequence[Mapping[str, Any]]) -> Any:
        from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
        from opentelemetry.proto.common.v1.common_pb2 import AnyValue
        from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord, ResourceLogs, ScopeLogs

        now = time.time_ns()
        records = []
        for e in events:
            sev = severity(e)
            body = " ".join(str(x) for x in (e.get("syscall"), e.get("verdict"), e.get("subject")) if x)
            records.append(LogRecord(time_unix_nano=self._ns(e), observed_time_unix_nano=now,
                                     severity_number=SEVERITY_NUMBER[sev], severity_text=sev,
                                     body=AnyValue(string_value=body), attributes=self._attrs(e),
                                     trace_id=self.trace_id(e), span_id=self.span_id(e),
                                     event_name=f"dos.{e.get('syscall')}"))
        return ExportLogsServiceRequest(resource_logs=[ResourceLogs(
            resource=self._resource(), scope_logs=[ScopeLogs(scope=self._scope(), log_records=records)])])

    def traces(self, events: Sequence[Mapping[str, Any]]) -> Any:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
        from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

        spans = []
        for e in events:
            start = self._ns(e)
            code = Status.STATUS_CODE_ERROR if severity(e) == "ERROR" else Status.STATUS_CODE_OK
            spans.append(Span(trace_id=self.trace_id(e), span_id=self.span_id(e), name=f"dos.{e.get('syscall')}",
                              kind=Span.SPAN_KIND_INTERNAL, start_time_unix_nano=start,
                              end_time_unix_nano=start + 1_000_000, attributes=self._attrs(e),
                              status=Status(code=code, message=str(e.get("verdict", "")))))
        return ExportTraceServiceRequest(resource_spans=[ResourceSpans(
            resource=self._resource(), scope_spans=[ScopeSpans(scope=self._scope(), spans=spans)])])

    def metrics(self, events: Sequence[Mapping[str, Any]]) -> Any:
        from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
        from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
        from opentelemetry.proto.metrics.v1.metrics_pb2 import (AggregationTemporality, Exemplar, Metric,
                                                                NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum)

        groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
        for e in events:
            groups.setdefault((str(e.get("syscall", "")), str(e.get("verdict", ""))), []).append(e)
        points = []
        for (syscall, verdict), members in sorted(groups.items()):
            last = members[-1]
            exemplar = Exemplar(time_unix_nano=self._ns(last), as_int=1, trace_id=self.trace_id(last),
                                span_id=self.span_id(last), filtered_attributes=[
                                    KeyValue(key="dos.run_id", value=AnyValue(string_value=str(last.get("run_id", ""))))])
            points.append(NumberDataPoint(
                attributes=[KeyValue(key="syscall", value=AnyValue(string_value=syscall)),
                            KeyValue(key="verdict", value=AnyValue(string_value=verdict))],
                start_time_unix_nano=min(self._ns(x) for x in members),
                time_unix_nano=max(self._ns(x) for x in members) + 1, as_int=len(members), exemplars=[exemplar]))
        metric = Metric(name="dos.verdicts", description="verdicts the DOS referee rendered", unit="{verdict}",
                        sum=Sum(data_points=points, is_monotonic=True,
                                aggregation_temporality=AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA))
        return ExportMetricsServiceRequest(resource_metrics=[ResourceMetrics(
            resource=self._resource(), scope_metrics=[ScopeMetrics(scope=self._scope(), metrics=[metric])])])

    # ------------------------------------------------------------------ shipping

    def _post(self, signal: str, body: bytes) -> str:
        """POST BODY to the signal's path; '' on success, else why not (after the retries)."""
        import urllib.error
        import urllib.request

        url = f"{self.endpoint}/v1/{signal}"
        headers = {"Content-Type": "application/x-protobuf", **self.headers}
        why = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff_s * (2 ** (attempt - 1)))
            req = urllib.request.Request(url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    resp.read()
                    return ""
            except urllib.error.HTTPError as exc:
                why = f"{url} answered HTTP {exc.code}"
                if exc.code not in RETRY_STATUS:
                    return why
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                why = f"cannot reach {url} ({reason})"
        return why

    def export(self, events: Sequence[Mapping[str, Any]]) -> ExportResult:
        problem = self.check()
        if self.dry_run:
            if problem:
                return ExportResult(0, f"[dry-run] would fail: {problem}", last_seq(events), ok=False)
            return ExportResult(0, f"[dry-run] would emit {len(events)} OTLP log record(s), span(s) and a metric "
                                   f"to {self.endpoint}", last_seq(events))
        if problem:
            return ExportResult(0, problem, "", ok=False)
        for signal in self.signals:
            why = self._post(signal, getattr(self, signal)(events).SerializeToString())
            if why:
                return ExportResult(0, why, "", ok=False)
        return ExportResult(len(events), f"emitted {len(events)} OTLP log record(s) and span(s) and "
                                         f"{len({(e.get('syscall'), e.get('verdict')) for e in events})} "
                                         f"metric point(s) to {self.endpoint}", last_seq(events))
