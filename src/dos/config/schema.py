"""Every ``dos.toml`` table and key: its type, default, meaning and bounds, as frozen tables (``dos.config.table``).

The loader validates each key from its annotation and ``meta`` (a check, and whether DOS
acts on it); ``docs/config.md`` is generated from these declarations. Keys of the
reference's schema that DOS accepts but does not act on say so in ``unused``.
"""

from __future__ import annotations

import math
import types
from dos.kernel.table import field, table
from typing import Any, Callable, Literal, Mapping

TEN_YEARS_S = 10 * 365 * 24 * 3600


def opt(default: Any, doc: str, *, check: Callable[[Any], str] | None = None, unused: str = "") -> Any:
    """A key with DEFAULT and one line of DOC; CHECK returns '' or what is wrong with a value."""
    meta = {"doc": doc, "check": check, "unused": unused}
    if isinstance(default, (dict, list)):
        frozen = types.MappingProxyType(dict(default)) if isinstance(default, dict) else tuple(default)
        return field(default_factory=lambda: frozen, metadata=meta)
    return field(default=default, metadata=meta)


def need(doc: str, *, check: Callable[[Any], str] | None = None) -> Any:
    """A required key."""
    return field(metadata={"doc": doc, "check": check, "unused": ""})


def positive(value: Any) -> str:
    return "" if value > 0 else "must be greater than 0"


def non_negative(value: Any) -> str:
    return "" if value >= 0 else "must be 0 or more"


def finite_seconds(value: float) -> str:
    if not math.isfinite(value) or value <= 0:
        return "must be a finite number of seconds above 0"
    return "" if value <= TEN_YEARS_S else f"must be at most {TEN_YEARS_S} (ten years)"


def ratio(value: float) -> str:
    return "" if math.isfinite(value) and 0 < value <= 1 else "must be a number above 0 and at most 1"


def bounded_ms(value: int) -> str:
    return "" if 0 <= value <= TEN_YEARS_S * 1000 else "must be between 0 and ten years in milliseconds"


def unbounded_or_count(value: Any) -> str:
    if value == "none" or value == -1 or (isinstance(value, int) and value >= 0):
        return ""
    return 'must be a count (0 or more), -1 or "none" (unbounded)'


def has_lane_placeholder(value: str) -> str:
    return "" if "{lane}" in value else "must contain '{lane}'"


CATEGORIES = ("TRUE_DRAIN", "OPERATOR_GATE", "STALE_CLAIM", "MISROUTE", "UNCLASSIFIED")
Category = Literal["TRUE_DRAIN", "OPERATOR_GATE", "STALE_CLAIM", "MISROUTE", "UNCLASSIFIED"]
REFERENCE_ONLY = "accepted for compatibility with dos-kernel; DOS does not act on it"


@table
class LanesConfig:
    """``[lanes]``: the lanes of the workspace. Declaring the table replaces the built-in lanes."""

    concurrent: tuple[str, ...] = opt(["main"], "lanes many agents may hold at once, each on its own tree")
    exclusive: tuple[str, ...] = opt(["global"], "lanes that run alone: nothing else may be live beside them")
    autopick: tuple[str, ...] = opt(["main"], "the order a bare `dos arbitrate` tries lanes in "
                                              "(default: the concurrent list)")
    trees: Mapping[str, tuple[str, ...]] = opt({"main": ("**/*",), "global": ("**/*",)},
                                               "lane -> the globs it owns; an empty tree is an unknown region")
    aliases: Mapping[str, str] = opt({}, "keyword -> lane, so `--lane KEYWORD` names a declared lane")

    @property
    def declared(self) -> tuple[str, ...]:
        """Every declared lane, concurrent first, without duplicates."""
        return tuple(dict.fromkeys((*self.concurrent, *self.exclusive)))

    def resolve(self, name: str) -> str:
        """A lane name with aliases applied."""
        return self.aliases.get(name, name)


@table
class PathsConfig:
    """``[paths]``: where plans live and where the reference's files are read."""

    plans_glob: str = opt("docs/**/*-plan.md", "the plan documents `verify`, `plan` and the artifact rung read")
    execution_state: str = opt("", "the run registry YAML (default dos.state.yaml at the root)")
    soaks_index: str = opt("", "the soak index YAML (default .dos/soaks/index.yaml)")
    lane_journal: str = opt("", "a reference lane-journal.jsonl to read ATTEMPT rows from "
                                "(default .dos/lane-journal.jsonl)")
    verdict_journal: str = opt("", "where `journal export --verdicts` writes by default", unused=REFERENCE_ONLY)
    findings_queue: str = opt("", "the reference's findings queue", unused=REFERENCE_ONLY)
    fanout_runs: str = opt("", "the reference's fan-out run directory", unused=REFERENCE_ONLY)
    dispatch_loops: str = opt("", "the reference's dispatch loop directory", unused=REFERENCE_ONLY)
    chained_runs: str = opt("", "the reference's chained run directory", unused=REFERENCE_ONLY)
    next_packets: str = opt("", "the reference's next-packet directory", unused=REFERENCE_ONLY)
    replan_dir: str = opt("", "the reference's replan directory", unused=REFERENCE_ONLY)
    picker_audits: str = opt("", "the reference's picker audit directory", unused=REFERENCE_ONLY)
    archive_lock: str = opt("", "the reference's archive lock file (the lock lives in the store here)",
                            unused=REFERENCE_ONLY)
    leases_dir: str = opt("", "the reference's lease directory (leases live in the store here)",
                          unused=REFERENCE_ONLY)
    project_card: str = opt("", "the reference's project card", unused=REFERENCE_ONLY)


@table
class StampConfig:
    """``[stamp]``: the ship-stamp grammar as data (lists replace, never merge)."""

    style: Literal["grep"] = opt("grep", "how ships are stamped in commit subjects")
    subject_dirs: tuple[str, ...] = opt([], "require a directory prefix such as `docs/AUTH1: ...`")
    summary_bundle_prefixes: tuple[str, ...] = opt([], "subject prefixes that bundle several phases")
    bookkeeping_prefixes: tuple[str, ...] = opt([], "subject prefixes of bookkeeping commits (never a ship)")
    code_dirs: tuple[str, ...] = opt([], "directories a phase's code lives in (for the artifact rung)")
    infra_basenames: tuple[str, ...] = opt([], "file names that never count as a phase's artifact")
    infra_doc_basenames: tuple[str, ...] = opt([], "document names that never count as a phase's artifact")
    progress_markers: tuple[str, ...] = opt([], "words that mark a commit as progress, not a ship")
    sub_phase_parent_fallback: bool = opt(False, "a stamp of AUTH1.2 also ships AUTH1 when nothing else does")
    trailer_stamp: bool = opt(False, "also accept a trailing `(AUTH AUTH1)` in a subject")


@table
class ReasonConfig:
    """``[reasons.<TOKEN>]``: one refusal reason added to the built-in registry."""

    category: Category = need("TRUE_DRAIN, OPERATOR_GATE, STALE_CLAIM, MISROUTE or UNCLASSIFIED")
    refusal: bool = opt(True, "whether the token refuses work")
    summary: str = opt("", "one line saying what the reason means")
    fix: str = opt("", "the one thing that resolves it")
    see_also: tuple[str, ...] = opt([], "related reason tokens")


@table
class MorphologyRule:
    """``[[reasons.morphology]]``: a substring of an unknown token that implies a category."""

    substring: str = need("the substring to look for (case-insensitive)")
    category: Category = need("the category it implies")


@table
class ReasonsConfig:
    """``[reasons.*]``: custom reasons (additive) and the morphology rules (replacing)."""

    custom: Mapping[str, ReasonConfig] = opt({}, "token -> reason")
    morphology: tuple[MorphologyRule, ...] | None = opt(None, "the rules (None: the built-in ones)")


@table
class EnumerateConfig:
    """``[enumerate]``: how `dos enumerate` reads a plan document."""

    heading_levels: tuple[int, ...] = opt([2, 3, 4, 5, 6], "the heading levels (2-6) that may declare a unit")
    scan_tables: bool = opt(True, "also read table rows whose first cell is a unit token")
    generic_numeric_table: bool = opt(False, "read numbered table rows without a series token",
                                      unused=REFERENCE_ONLY)
    bare_phase_fallback: bool = opt(True, "read `### Phase N` headings when nothing else declares a unit")
    rollup_parents: bool = opt(False, "a parent unit ships when all its children ship", unused=REFERENCE_ONLY)
    style: Literal["generic"] = opt("generic", "the plan dialect")


@table
class OverlapConfig:
    """``[overlap]``: the admission overlap policy. Holders never overlap (shared/shared excepted)."""

    policy: Literal["prefix"] = opt("prefix", "how trees are compared: canonical, segment-aware prefixes")
    ratio_max: float = opt(1 / 3, "the reference's soft-overlap threshold; DOS admits no overlap at all",
                           check=ratio, unused=REFERENCE_ONLY)


@table
class SuperviseConfig:
    """``[supervise]``: the emit-only supervisor's policy (`dos loop`)."""

    target: int = opt(1, "live workers wanted", check=non_negative)
    count_spinning_as_alive: bool = opt(True, "a SPINNING worker counts toward the target")
    reap_stalled: bool = opt(True, "propose reaping STALLED workers")
    spin_halt_after_ms: int = opt(0, "propose a halt after spinning this long (0: never)", check=bounded_ms)
    spin_halt_after_minutes: float = opt(0.0, "the same in minutes (set one of the two)", check=non_negative)
    worker_launch_template: str = opt("/dos-dispatch-loop --lane {lane}", "the command a spawn proposes",
                                      check=has_lane_placeholder)
    max_concurrency: int = opt(0, "never plan more live workers than this (0: no cap)", check=non_negative)


@table
class CooldownConfig:
    """``[cooldown]``: how long a recent attempt keeps a unit off the pick list."""

    window_ms: int = opt(21_600_000, "a unit attempted within this window is RECENTLY_ATTEMPTED",
                         check=bounded_ms)
    window_hours: float = opt(0.0, "the same in hours (set one of the two)", check=non_negative)
    error_window_ms: int = opt(1_800_000, "the window after an attempt that errored", check=bounded_ms)
    error_window_minutes: float = opt(0.0, "the same in minutes (set one of the two)", check=non_negative)

    @property
    def window(self) -> int:
        """The attempt window in ms, from whichever spelling was set."""
        return int(self.window_hours * 3_600_000) if self.window_hours else self.window_ms

    @property
    def error_window(self) -> int:
        return int(self.error_window_minutes * 60_000) if self.error_window_minutes else self.error_window_ms


@table
class StoreConfig:
    """``[store]``: SQLite under ``.dos/`` by default, PostgreSQL when ``url`` is set."""

    url: str = opt("", "a postgresql:// URL shared by the fleet (env DOS_STORE_URL wins)")
    schema: str = opt("", "the PostgreSQL schema of this workspace; every machine of a fleet must agree "
                          "(env DOS_STORE_SCHEMA wins; default: dos_ and 16 hex digits of the first commit)")
    path: str = opt("", "the SQLite file (default .dos/store.sqlite3; relative to the root)")
    busy_timeout_ms: int = opt(30_000, "how long a writer waits for the store's lock", check=bounded_ms)
    lease_ttl_s: float = opt(900.0, "a lease's default time to live without a heartbeat", check=finite_seconds)


@table
class HooksConfig:
    """``[hooks]``: how the enforcement hooks decide at the edges."""

    on_error: Literal["allow", "deny"] = opt("allow", "an internal fault of the hook: allow (one warning line) "
                                                      "or deny at pretool")
    auto_acquire: bool = opt(False, "a session without a lease takes the declared lane holding the path")
    unknown_footprint: Literal["allow", "warn", "deny"] = opt(
        "warn", "a call whose writes DOS cannot tell, while other sessions hold lanes")
    stop_block_cap: int = opt(3, "refuse a stop at most this many times in a row", check=non_negative)
    posture: Literal["observe", "warn", "block", "gate"] = opt(
        "gate", "what the hooks do with a deny they decide: observe (record it only), warn (tell the agent, "
                "block nothing), block (deny foreign writes), gate (block, and refuse an unverified stop); "
                "faults fail closed in every posture (docs/postures.md)")
    allowed_outside: tuple[str, ...] = opt([], "absolute directories outside the workspace agents may write")
    stall_ignore: tuple[str, ...] = opt([], "tools the stall reader never flags")


@table
class RetentionConfig:
    """``[retention]``: how much history the store keeps (-1 or "none": unbounded)."""

    journal_max_entries: int | str = opt(5000, "compact the log past this many events",
                                         check=unbounded_or_count)
    journal_max_age_days: float = opt(30.0, "compact events older than this", check=non_negative)
    runs_keep_last: int | str = opt(200, "run records kept", check=unbounded_or_count, unused=REFERENCE_ONLY)
    verdicts_keep_last: int | str = opt(500, "verdict records kept", check=unbounded_or_count)
    audits_keep_last: int | str = opt(200, "audit records kept", check=unbounded_or_count, unused=REFERENCE_ONLY)
    projections_compact: bool = opt(True, "compact projections too", unused=REFERENCE_ONLY)
    verdict_journal_keep_last: int | str = opt("none", "verdict-journal rows kept; older ones fold into a "
                                                       "checkpoint the chain still verifies through",
                                               check=unbounded_or_count)
    verdict_journal_max_age_days: float = opt(90.0, "fold verdict-journal rows older than this into a "
                                                     "checkpoint (0: keep every row)", check=non_negative)
    checkpoint_key_file: str = opt("", "a file holding the key that signs journal checkpoints off "
                                       "(env DOS_JOURNAL_KEY wins; none: checkpoints are chained, unsigned)")


def port_number(value: int) -> str:
    return "" if 0 < value < 65536 else "must be a port number (1-65535)"


@table
class ObserveConfig:
    """``[observe]``: what the verdict journal records, and where exports and notifications go.

    Environment variables win over these keys (``DISPATCH_OBSERVE``, ``DOS_EXPORT_FILE``,
    ``DOS_STATSD_HOST``/``PORT``, ``DOS_OTLP_ENDPOINT``, ``DOS_WEBHOOK_URL``); secrets are
    never read from dos.toml.
    """

    record: Literal["auto", "always", "off"] = opt(
        "auto", "auto: journal every verdict once a store exists (decisions in their own transaction); "
                "always: create the store for it too; off: journal nothing. DISPATCH_OBSERVE=1 means always, =0 off")
    hook_allows: Literal["writes", "all", "none"] = opt(
        "writes", "which allowed hook calls are journaled, one appended line each: writes (pretool calls that "
                  "write), all (every pretool, posttool and stop), none; denials and warnings always are")
    export_file: str = opt("", "the `file` exporter's path (relative to the root)")
    statsd_host: str = opt("127.0.0.1", "the `statsd` exporter's host")
    statsd_port: int = opt(8125, "the `statsd` exporter's UDP port", check=port_number)
    otlp_endpoint: str = opt("", "the `otlp` exporter's OTLP/HTTP collector (default http://localhost:4318)")
    prometheus_file: str = opt(".dos/metrics/dos.prom", "the textfile the `prometheus` exporter writes "
                                                        "(relative to the root)")
    export_batch: int = opt(1000, "events per exporter call; the cursor advances after each", check=positive)
    webhook_url: str = opt("", "the `webhook` notifier's URL")
    slack_channel: str = opt("", "the channel (a name or an id) `notify --notifier slack` posts to")
    notify_dedup_s: float = opt(3600.0, "a notification delivered with the same key and content within this "
                                        "many seconds is not sent again (0: always send)", check=non_negative)
    notify_retries: int = opt(3, "attempts after the first for a send that failed transiently",
                              check=non_negative)
    notify_backoff_s: float = opt(1.0, "the first retry's delay in seconds; each later one doubles",
                                  check=non_negative)


@table
class VerifyConfig:
    """``[verify]``: evidence beyond git."""

    non_git_oracle: str = opt("", "an evidence plugin that can only make a verdict more sceptical",
                              unused=REFERENCE_ONLY)


@table
class MarkerConfig:
    """``[marker]``: the wait-marker budget of `dos hook marker`."""

    max_streak: int = opt(4, "stops held open in a row before the agent may stop", check=non_negative)
    arm_on_env: tuple[str, ...] = opt(["DOS_LOOP", "CID_RUN_ID"], "environment variables that arm the budget")
    respect_stop_hook_active: bool = opt(True, "never hold a stop the host says is already a retry")


@table
class Transition:
    """One ``[[lifecycle.transitions]]`` entry."""

    from_: str = field(metadata={"doc": "the class a plan leaves", "check": None, "unused": "", "key": "from"})
    to: str = need("the class it enters")
    trigger: str = need("what fires it, e.g. all_phases_shipped")
    auto: bool = opt(False, "applied without a judge")


@table
class LifecycleConfig:
    """``[lifecycle]``: plan classes and their transitions."""

    classes: tuple[str, ...] = opt(["active", "done"], "the plan classes", unused=REFERENCE_ONLY)
    transitions: tuple[Transition, ...] = opt([], "the allowed transitions", unused=REFERENCE_ONLY)
    veto_class: str = opt("", "a class no transition may leave", unused=REFERENCE_ONLY)
    max_transitions_per_cycle: int = opt(5, "transitions per cycle", check=non_negative, unused=REFERENCE_ONLY)
    per_plan_cooldown_hours: float = opt(72.0, "hours between a plan's transitions", check=non_negative,
                                         unused=REFERENCE_ONLY)


@table
class DataClassConfig:
    """``[data_class]``: which files are trajectories, audits, baselines or product."""

    trajectory_patterns: tuple[str, ...] = opt([".dos/runs", ".dos/fanout_runs", ".dos/chained_runs",
                                                ".dos/dispatch_loops", ".dos/verdicts"], "trajectory files",
                                               unused=REFERENCE_ONLY)
    audit_patterns: tuple[str, ...] = opt([".dos/audits", ".dos/picker_audits", ".dos/**/*.verdict-*.json"],
                                          "audit files", unused=REFERENCE_ONLY)
    baseline_patterns: tuple[str, ...] = opt([".dos/baselines"], "baseline files", unused=REFERENCE_ONLY)
    product_patterns: tuple[str, ...] = opt([], "product files", unused=REFERENCE_ONLY)
    default_class: str = opt("PRODUCT", "the class of anything else", unused=REFERENCE_ONLY)


@table
class ConcurrencyClass:
    """One ``[[concurrency_class]]`` entry."""

    name: str = need("the class name")
    max_concurrent: int = need("how many of it may be live at once", check=non_negative)


@table
class InterventionConfig:
    """``[intervention.<TOKEN>]``: a custom intervention level."""

    rank: int = need("its rank among OBSERVE < WARN < BLOCK < DEFER")
    summary: str = opt("", "what it does")
    actuation: str = opt("", "how it acts")
    dispatches: bool = opt(True, "whether the call still runs")
    returns_synthetic: bool = opt(False, "whether it returns a synthetic result")
    see_also: tuple[str, ...] = opt([], "related tokens")


@table
class ToolStreamConfig:
    """``[tool_stream]``: the stall reader's thresholds."""

    repeat_n: int = opt(3, "identical steps in a row that read REPEATING", check=positive)
    stall_n: int = opt(5, "identical steps in a row that read STALLED", check=positive)
    ignore_tools: tuple[str, ...] = opt([], "tools never flagged (added to [hooks] stall_ignore)")


@table
class PrecursorConfig:
    """``[precursor]``: tools that must be preceded by others."""

    requires: Mapping[str, tuple[str, ...]] = opt({}, "tool -> the precursors it needs", unused=REFERENCE_ONLY)
    aliases: Mapping[str, tuple[str, ...]] = opt({}, "precursor -> its aliases", unused=REFERENCE_ONLY)


@table
class JudgeConfig:
    """``[judge]``: the default judge and the `llm` judge's endpoint (docs/evals.md); the key is read from env."""

    default: str = opt("abstain", "the judge `judge wedge` and `judge-eval` ask when --judge is not given")
    provider: Literal["openai", "anthropic"] = opt("openai", "the `llm` judge's API: an OpenAI-compatible "
                                                             "chat completions endpoint or Anthropic messages")
    endpoint: str = opt("", "the full URL the `llm` judge posts to (empty: the llm judge abstains)")
    model: str = opt("", "the model name sent with each request")
    api_key_env: str = opt("", "the environment variable holding the API key (never the key itself)")
    timeout_s: float = opt(20.0, "seconds a judge may take before its answer counts as ABSTAIN",
                           check=finite_seconds)
    max_tokens: int = opt(16, "the answer's token budget per request", check=positive)
    max_cost_usd: float = opt(1.0, "the most one command may spend on requests; past it the judge abstains",
                              check=non_negative)
    usd_per_mtok_in: float = opt(0.0, "the price of a million prompt tokens", check=non_negative)
    usd_per_mtok_out: float = opt(0.0, "the price of a million answer tokens", check=non_negative)
    cache: bool = opt(True, "keep each answer under .dos/judge-cache/ by its input digest and reuse it")


@table
class Config:
    """The whole workspace configuration. ``source`` is the file read, or None for defaults."""

    lanes: LanesConfig = field(default_factory=LanesConfig)
    paths: PathsConfig = field(default_factory=PathsConfig)
    stamp: StampConfig = field(default_factory=StampConfig)
    reasons: ReasonsConfig = field(default_factory=ReasonsConfig)
    enumerate: EnumerateConfig = field(default_factory=EnumerateConfig)
    overlap: OverlapConfig = field(default_factory=OverlapConfig)
    supervise: SuperviseConfig = field(default_factory=SuperviseConfig)
    cooldown: CooldownConfig = field(default_factory=CooldownConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    hooks: HooksConfig = field(default_factory=HooksConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    observe: ObserveConfig = field(default_factory=ObserveConfig)
    verify: VerifyConfig = field(default_factory=VerifyConfig)
    ci: Mapping[str, Any] = field(default_factory=lambda: types.MappingProxyType({}))
    marker: MarkerConfig = field(default_factory=MarkerConfig)
    lifecycle: LifecycleConfig = field(default_factory=LifecycleConfig)
    data_class: DataClassConfig = field(default_factory=DataClassConfig)
    concurrency_class: tuple[ConcurrencyClass, ...] = ()
    intervention: Mapping[str, InterventionConfig] = field(default_factory=lambda: types.MappingProxyType({}))
    tool_stream: ToolStreamConfig = field(default_factory=ToolStreamConfig)
    precursor: PrecursorConfig = field(default_factory=PrecursorConfig)
    judge: JudgeConfig = field(default_factory=JudgeConfig)
    source: Any = None  # the Path read, or None for the built-in defaults


# table name -> (dataclass, how it is declared: "table", "map" (of TOKEN tables), "array" (of tables))
TABLES: dict[str, tuple[type, str]] = {
    "lanes": (LanesConfig, "table"), "paths": (PathsConfig, "table"), "stamp": (StampConfig, "table"),
    "reasons": (ReasonConfig, "map"), "enumerate": (EnumerateConfig, "table"),
    "overlap": (OverlapConfig, "table"), "supervise": (SuperviseConfig, "table"),
    "cooldown": (CooldownConfig, "table"), "store": (StoreConfig, "table"), "hooks": (HooksConfig, "table"),
    "retention": (RetentionConfig, "table"), "observe": (ObserveConfig, "table"),
    "verify": (VerifyConfig, "table"), "ci": (dict, "free"),
    "marker": (MarkerConfig, "table"), "lifecycle": (LifecycleConfig, "table"),
    "data_class": (DataClassConfig, "table"), "concurrency_class": (ConcurrencyClass, "array"),
    "intervention": (InterventionConfig, "map"), "tool_stream": (ToolStreamConfig, "table"),
    "precursor": (PrecursorConfig, "table"),
    "judge": (JudgeConfig, "table"),
}
TOP_LEVEL_KEYS = ("workspace",)  # written by the reference's `init`; accepted and ignored
