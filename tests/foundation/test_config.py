"""dos.toml is read strictly into typed, frozen config."""

from __future__ import annotations

from pathlib import Path

import pytest

from dos.config import Config, load_config, parse_config
from dos.errors import ConfigError

P = Path("/ws/dos.toml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param('[stamp]\nsubjet_dirs = ["a"]',
                     "dos.toml: [stamp] unknown key 'subjet_dirs' (did you mean 'subject_dirs'?)", id="key-typo"),
        pytest.param("[stmap]\nstyle = 'grep'", "unknown table [stmap] (did you mean 'stamp'?)", id="table-typo"),
        pytest.param("[lane]\nconcurrent = []", "unknown table [lane] (did you mean 'lanes'?)", id="lane-singular"),
        pytest.param("[env]\ntools = []", "unknown table [env]", id="dead-reference-table"),
        pytest.param("[supervise]\ntarget = true", "[supervise] key 'target' must be an integer, got a boolean",
                     id="bool-for-int"),
        pytest.param("[stamp]\ntrailer_stamp = 'yes'", "[stamp] key 'trailer_stamp' must be true or false",
                     id="string-for-bool"),
        pytest.param('[hooks]\non_error = "maybe"', "[hooks] key 'on_error' must be one of 'allow', 'deny'",
                     id="bad-choice"),
        pytest.param('[lanes]\nconcurrent = ["a", 3]', "[lanes] key 'concurrent'[1] must be a string",
                     id="bad-list-item"),
        pytest.param("[reasons.X]\nsummary = 'no category'", "[reasons.X] missing required key 'category'",
                     id="reason-without-category"),
        pytest.param("[reasons.X]\ncategory = 'NOPE'", "[reasons.X] key 'category' must be one of",
                     id="reason-bad-category"),
        pytest.param("[supervise]\nspin_halt_after_ms = 5\nspin_halt_after_minutes = 1.0", "sets both",
                     id="both-spin-keys"),
        pytest.param("[supervise]\nworker_launch_template = 'go'", "must contain '{lane}'", id="template"),
        pytest.param("stamp = 3", "[stamp] must be a table, got an integer", id="table-name-as-key"),
    ],
)
def test_bad_config_is_one_clear_error(text: str, message: str) -> None:
    """Every malformed dos.toml raises ConfigError naming the file, table and key."""
    with pytest.raises(ConfigError) as info:
        parse_config(text, P)
    text_of_error = str(info.value)
    assert "\n" not in text_of_error
    assert text_of_error.startswith("dos.toml:")
    assert message in text_of_error


def test_toml_syntax_error_names_line_and_column() -> None:
    with pytest.raises(ConfigError, match=r"invalid TOML: .*line 3, column"):
        parse_config('[stamp]\nstyle = "grep"\nbroken = = 1\n', P)


def test_defaults_without_a_file(tmp_path: Path) -> None:
    cfg = load_config(tmp_path)
    assert cfg == Config()
    assert cfg.source is None
    assert cfg.lanes.concurrent == ("main",) and cfg.lanes.exclusive == ("global",)
    assert cfg.lanes.trees["main"] == ("**/*",)


def test_full_config_reads_into_typed_values(tmp_path: Path) -> None:
    (tmp_path / "dos.toml").write_text(
        '\ufeffworkspace = "."\n'
        '[lanes]\nconcurrent = ["api", "docs"]\nexclusive = ["global"]\n'
        '[lanes.trees]\napi = ["api/**"]\ndocs = "docs/**"\nglobal = ["**/*"]\n'
        '[lanes.aliases]\nweb = "api"\n'
        '[stamp]\nsubject_dirs = "docs"\ntrailer_stamp = true\n'
        '[reasons.NEEDS_HUMAN]\ncategory = "OPERATOR_GATE"\nsee_also = "X"\n'
        '[[reasons.morphology]]\nsubstring = "flaky"\ncategory = "MISROUTE"\n'
        '[store]\nlease_ttl_s = 60\n[hooks]\nauto_acquire = true\n', encoding="utf-8")
    cfg = load_config(tmp_path)
    assert cfg.source == tmp_path / "dos.toml"
    assert cfg.lanes.autopick == ("api", "docs"), "autopick defaults to the concurrent order"
    assert cfg.lanes.trees == {"api": ("api/**",), "docs": ("docs/**",), "global": ("**/*",)}
    assert cfg.lanes.resolve("web") == "api"
    assert cfg.stamp.subject_dirs == ("docs",) and cfg.stamp.trailer_stamp is True
    assert cfg.reasons.custom["NEEDS_HUMAN"].see_also == ("X",)
    assert cfg.reasons.morphology[0].substring == "flaky"
    assert cfg.store.lease_ttl_s == 60.0 and isinstance(cfg.store.lease_ttl_s, float)
    assert cfg.hooks.auto_acquire is True


def test_declared_lanes_replace_the_builtin_ones() -> None:
    cfg = parse_config('[lanes]\nconcurrent = ["a"]\n[lanes.trees]\na = ["a/**"]\n', P)
    assert cfg.lanes.exclusive == ()
    assert "main" not in cfg.lanes.trees


def test_config_is_frozen() -> None:
    cfg = Config()
    with pytest.raises(AttributeError, match="frozen"):
        cfg.lanes = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        cfg.lanes.trees["x"] = ("y",)  # type: ignore[index]


def test_non_utf8_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "dos.toml").write_bytes(b'[stamp]\nstyle = "\xff"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(tmp_path)


def test_reasons_morphology_empty_list_turns_rules_off() -> None:
    cfg = parse_config("[reasons]\nmorphology = []\n", P)
    assert cfg.reasons.morphology == ()


def test_autopick_defaults_to_concurrent_even_from_a_lone_string() -> None:
    cfg = parse_config('[lanes]\nconcurrent = "api"\n[lanes.trees]\napi = ["api/**"]\n', P)
    assert cfg.lanes.concurrent == ("api",) == cfg.lanes.autopick


def test_the_parse_cache_serves_only_the_text_it_was_made_from(tmp_path: Path) -> None:
    from dos.config.loader import CACHE_REL

    (tmp_path / ".dos").mkdir()
    toml = tmp_path / "dos.toml"
    toml.write_text('[lanes]\nconcurrent = ["api"]\n[lanes.trees]\napi = ["api/**"]\n')
    assert load_config(tmp_path).lanes.concurrent == ("api",)
    cache = tmp_path.joinpath(*CACHE_REL)
    assert cache.is_file(), "a workspace with .dos/ keeps the parsed file"
    toml.write_text('[lanes]\nconcurrent = ["web"]\n[lanes.trees]\nweb = ["web/**"]\n')
    assert load_config(tmp_path).lanes.concurrent == ("web",), "an edited dos.toml is parsed again"
    toml.write_text('[lanes]\nconcurrent = ["web"]\nbogus = 1\n')
    with pytest.raises(ConfigError, match="bogus"):
        load_config(tmp_path)  # validation runs on what the cache gives back, too
    with pytest.raises(ConfigError, match="bogus"):
        load_config(tmp_path)


def test_the_parse_cache_is_never_created_without_dos_dir_or_for_dates(tmp_path: Path) -> None:
    from dos.config.loader import CACHE_REL

    (tmp_path / "dos.toml").write_text("[ci]\nwhen = 2026-01-01\n")
    load_config(tmp_path)
    assert not (tmp_path / ".dos").exists(), "reading a config creates nothing"
    (tmp_path / ".dos").mkdir()
    load_config(tmp_path)
    assert not tmp_path.joinpath(*CACHE_REL).exists(), "a TOML date cannot round-trip through JSON"
