"""``yaml_edit.edit_list``: DOS's item in a top-level YAML list of servers that name themselves (the
Continue CLI's ``mcpServers``), spliced into the user's text: comments, other items and layout stay,
the result loads to exactly the expected data, and only a layout the splice cannot edit is dumped."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from dos.errors import ConfigError
from dos.service.yaml_edit import edit_list

KEY = "mcpServers"
DOS = {"name": "dos", "command": "/venv/bin/python", "args": ["-m", "dos.mcp", "--workspace", "/ws"],
       "env": {"PYTHONIOENCODING": "utf-8"}}
USER = ("# my cn config\nname: mine\nversion: 0.0.1\nschema: v1\nmodels:\n  - name: m  # the fast one\n"
        "    provider: openai\n\nmcpServers:\n  # search first\n  - name: search\n    command: npx\n"
        "    args: [-y, search-mcp]  # pinned\n  - uses: acme/tools  # from the hub\n\n# rules last\n"
        "rules:\n  - be brief\n")


def _set(text: str | None, entry: dict | None = DOS) -> tuple[str | None, bool, bool]:
    return edit_list(text, KEY, "dos", entry, "/home/u/.continue/config.yaml")


def test_a_new_file_holds_just_the_list() -> None:
    new, changed, lost = _set(None)
    assert changed and not lost
    assert yaml.safe_load(new) == {KEY: [DOS]}
    assert new.startswith("mcpServers:\n  - name: dos\n"), new


def test_a_rerun_changes_nothing() -> None:
    new, _, _ = _set(USER)
    assert _set(new) == (new, False, False)


def test_other_items_comments_and_layout_are_kept() -> None:
    new, changed, lost = _set(USER)
    assert changed and not lost
    data = yaml.safe_load(new)
    before = yaml.safe_load(USER)
    assert data[KEY] == [*before[KEY], DOS]
    assert {k: v for k, v in data.items() if k != KEY} == {k: v for k, v in before.items() if k != KEY}
    assert new.startswith(USER.split("\n\n# rules last")[0]), new  # everything up to the end of the list
    for comment in ("# my cn config", "# the fast one", "# search first", "# pinned", "# from the hub",
                    "# rules last"):
        assert comment in new
    assert new.index("name: dos") < new.index("# rules last")


def test_remove_gives_back_the_users_bytes() -> None:
    new, _, _ = _set(USER)
    assert _set(new, None) == (USER, True, False)


def test_remove_when_absent_changes_nothing() -> None:
    assert _set(USER, None) == (USER, False, False)
    assert _set(None, None) == (None, False, False)
    assert _set("name: x\nversion: 1\n", None) == ("name: x\nversion: 1\n", False, False)


def test_the_list_goes_when_dos_was_its_only_item() -> None:
    text = "name: x\nversion: 1\n"
    new, _, _ = _set(text)
    assert _set(new, None) == (text, True, False)
    assert _set("mcpServers:\n  - name: dos\n    command: old\n", None) == (None, True, False)


def test_a_stale_entry_is_replaced_where_it_stands() -> None:
    text = ("mcpServers:\n  # ours, old\n  - name: dos\n    command: stale\n    args: [x]\n"
            "  - name: other  # keep\n    command: o\nname: x\n")
    new, changed, lost = _set(text)
    assert changed and not lost
    assert "stale" not in new and "# ours, old" in new and "# keep" in new
    assert [s["name"] for s in yaml.safe_load(new)[KEY]] == ["dos", "other"]
    assert yaml.safe_load(new)[KEY][0] == DOS


def test_a_duplicate_dos_item_is_folded_into_one() -> None:
    text = "mcpServers:\n  - name: dos\n    command: a\n  - name: o\n    command: o\n  - name: dos\n    command: b\n"
    new, _, _ = _set(text)
    assert yaml.safe_load(new)[KEY] == [DOS, {"name": "o", "command": "o"}]
    gone, _, _ = _set(new, None)
    assert yaml.safe_load(gone) == {KEY: [{"name": "o", "command": "o"}]}


def test_a_sequence_at_the_keys_own_indent_keeps_that_indent() -> None:
    text = "mcpServers:\n- name: other\n  command: o\nmodels:\n- name: m\n"
    new, _, lost = _set(text)
    assert not lost and "\n- name: dos\n  command: /venv/bin/python\n" in new, new
    assert _set(new, None)[0] == text


def test_an_empty_flow_list_is_filled_in_place() -> None:
    text = "name: x\nmcpServers: []  # none yet\nversion: 1\n"
    new, changed, lost = _set(text)
    assert changed and not lost
    assert "# none yet" in new and yaml.safe_load(new) == {"name": "x", KEY: [DOS], "version": 1}


def test_a_flow_style_list_is_dumped_and_says_comments_were_lost() -> None:
    text = "# mine\nname: x\nmcpServers: [{name: other, command: o}]\n"
    new, changed, lost = _set(text)
    assert changed and lost
    assert yaml.safe_load(new) == {"name": "x", KEY: [{"name": "other", "command": "o"}, DOS]}
    new2, changed2, lost2 = _set(text.replace("# mine\n", ""))
    assert changed2 and not lost2  # nothing to lose: no note


def test_a_key_that_is_not_a_list_is_one_line_naming_the_file() -> None:
    for text in ("mcpServers:\n  dos:\n    command: x\n", "mcpServers: 3\n"):
        for entry in (DOS, None):
            with pytest.raises(ConfigError) as err:
                _set(text, entry)
            msg = str(err.value)
            assert "/home/u/.continue/config.yaml" in msg and "must be a list" in msg and "\n" not in msg


def test_a_file_that_does_not_parse_names_the_file_and_the_line() -> None:
    for entry in (DOS, None):
        with pytest.raises(ConfigError) as err:
            _set("name: x\nmcpServers:\n  - name: a\n   bad: [\n", entry)
        msg = str(err.value)
        assert "/home/u/.continue/config.yaml" in msg and "line 4" in msg and "\n" not in msg


_name = st.text("abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=8).filter(lambda s: s != "dos" and s[0] != "-")
_word = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_./", min_size=1, max_size=10).filter(
    lambda s: not s[0].isdigit() and s not in ("y", "n", "on", "off", "yes", "no", "null", "true", "false")
    and not s.startswith("-"))
_comment = st.sampled_from(["", "  # keep", "  # mine: yes"])


@st.composite
def _config(draw) -> str:
    """A cn config: some top-level keys, an mcpServers list of other servers (maybe none, maybe at the key's
    own indent), comments between and after items."""
    ind = draw(st.sampled_from([0, 2, 4]))
    pad = " " * ind
    out = [draw(st.sampled_from(["", "# my config\n"])), "name: mine\nversion: 0.0.1\n"]
    items = draw(st.lists(st.tuples(_name, _word, st.lists(_word, max_size=3), _comment, st.booleans()),
                          max_size=4))
    if items or draw(st.booleans()):
        out.append("mcpServers:" + draw(_comment) + "\n")
        for name, command, args, comment, above in items:
            if above:
                out.append(f"{pad}# about {name}\n")
            out.append(f"{pad}- name: {name}{comment}\n{pad}  command: {command}\n")
            if args:
                out.append(f"{pad}  args: [{', '.join(args)}]\n")
    if draw(st.booleans()):
        out.append("\n# later\nrules:\n  - be brief\n")
    return "".join(out)


@settings(max_examples=100, deadline=None)
@given(_config())
def test_set_then_remove_gives_back_the_users_file(text: str) -> None:
    """Whatever other servers and comments the user has: set keeps them all and loads to them plus
    DOS's item; remove after set is the user's exact text again."""
    before = yaml.safe_load(text)
    new, changed, lost = _set(text)
    assert changed and not lost, new
    after = yaml.safe_load(new)
    assert after[KEY] == [*(before.get(KEY) or []), DOS]
    for line in text.splitlines():
        if "#" in line:
            assert line.strip() in new
    assert _set(new) == (new, False, False)
    back, changed, lost = _set(new, None)
    assert changed and not lost
    if before.get(KEY):
        assert back == text
    else:  # an empty `mcpServers:` left by the user goes with DOS's item: the data, not the bytes
        assert yaml.safe_load(back) == {k: v for k, v in before.items() if k != KEY}
