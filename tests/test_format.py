"""The format stage: the format registry, each built-in format, and format options."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from textwrap import dedent

import pytest

from blog2jsonl import FormatOptions, FormatSpec, Options, OptionsError, format_record, get_formats
from blog2jsonl.format import PRESETS, FormatRegistry, register_formats
from blog2jsonl.models import Record
from blog2jsonl.pipeline import iter_records

RECORD = Record("Tea Part 2", "Steep it\nfor three minutes.", {"source": "tea.md", "part": 2})
SYSTEM = "You write this blog."


def shape(fmt: str, **options: object) -> dict[str, object]:
    return format_record(RECORD, FormatOptions(format=fmt, **options))  # type: ignore[arg-type]


def test_builtin_formats_register_in_order() -> None:
    assert get_formats().names()[:5] == ["completion", "chat", "text", "alpaca", "sharegpt"]
    registry = FormatRegistry()
    register_formats(registry.register)
    assert registry.names() == ["completion", "chat", "text", "alpaca", "sharegpt"]


def test_completion_is_the_default_and_keeps_the_legacy_space() -> None:
    assert format_record(RECORD, FormatOptions()) == {
        "prompt": "Tea Part 2",
        "completion": " Steep it\nfor three minutes.",
    }
    legacy = shape("completion", separator="\n\n###\n\n", stop=" END")
    assert legacy == {
        "prompt": "Tea Part 2\n\n###\n\n",
        "completion": " Steep it\nfor three minutes. END",
    }


def test_chat_has_no_leading_space_and_an_optional_system_message() -> None:
    assert shape("chat") == {
        "messages": [
            {"role": "user", "content": "Tea Part 2"},
            {"role": "assistant", "content": "Steep it\nfor three minutes."},
        ]
    }
    messages = shape("chat", system=SYSTEM)["messages"]
    assert isinstance(messages, list)
    assert messages[0] == {"role": "system", "content": SYSTEM}
    assert [m["role"] for m in messages] == ["system", "user", "assistant"]


def test_text_joins_header_and_text_by_template() -> None:
    assert shape("text") == {"text": "Tea Part 2\n\nSteep it\nfor three minutes."}
    assert shape("text", text_template="{text}") == {"text": RECORD.completion}


def test_alpaca_and_sharegpt_shapes() -> None:
    assert shape("alpaca") == {
        "instruction": "Tea Part 2",
        "input": "",
        "output": RECORD.completion,
    }
    assert shape("alpaca", system=SYSTEM)["system"] == SYSTEM
    assert shape("sharegpt") == {
        "conversations": [
            {"from": "human", "value": "Tea Part 2"},
            {"from": "gpt", "value": RECORD.completion},
        ]
    }
    assert shape("sharegpt", system=SYSTEM)["system"] == SYSTEM


@pytest.mark.parametrize("fmt", ["completion", "chat", "text", "alpaca", "sharegpt"])
def test_metadata_is_added_only_when_asked(fmt: str) -> None:
    assert "meta" not in shape(fmt)
    assert shape(fmt, metadata=True)["meta"] == {"source": "tea.md", "part": 2}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"format": "csv"}, "unknown format 'csv'"),
        ({"format": "chat", "separator": "###"}, "separator applies to"),
        ({"format": "alpaca", "stop": " END"}, "stop applies to"),
        ({"format": "completion", "system": "x"}, "system message applies to"),
        ({"format": "text", "system": "x"}, "system message applies to"),
        ({"format": "chat", "text_template": "{text}"}, "text template applies"),
        ({"format": "text", "text_template": "{body}"}, "unknown field {body}"),
        ({"prompt_template": "{nope}"}, "unknown field {nope}"),
    ],
)
def test_bad_format_options_fail_on_construction(options: dict[str, str], message: str) -> None:
    with pytest.raises(OptionsError, match=message.replace("{", r"\{").replace("}", r"\}")):
        FormatOptions(**options)  # type: ignore[arg-type]
    with pytest.raises(OptionsError):
        Options(**options)  # type: ignore[arg-type]


def test_strict_formats_are_the_ones_vendors_validate() -> None:
    strict = {spec.name for spec in get_formats() if spec.strict}
    assert strict == {"completion", "chat", "text"}


def test_preset_openai_legacy_is_the_legacy_convention() -> None:
    preset = PRESETS["openai-legacy"]
    data = format_record(RECORD, FormatOptions(**preset))
    prompt, completion = str(data["prompt"]), str(data["completion"])
    assert prompt.endswith(preset["separator"]) and preset["separator"] not in RECORD.prompt
    assert completion.startswith(" ") and completion.endswith(preset["stop"])


def test_llama_factory_entries_name_existing_keys() -> None:
    # Every column an entry names must be a key its records have.
    for spec in get_formats():
        assert spec.llama_factory is not None
        for system in (None, SYSTEM):
            if system is not None and not spec.system:
                continue
            options = FormatOptions(format=spec.name, system=system)
            entry = spec.llama_factory(options)
            record = format_record(RECORD, options)
            columns = entry["columns"]
            assert isinstance(columns, dict)
            assert set(columns.values()) <= set(record), (spec.name, columns, record)
            assert ("system" in columns) == (system is not None and spec.name != "chat")


PLUGIN = """
def shout(record, options):
    return {"shout": record.completion.upper()}


def register_formats(register):
    from blog2jsonl import FormatSpec
    register(FormatSpec("shout", "Loud.", shout))
"""


@pytest.fixture
def format_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "shout_plugin.py").write_text(dedent(PLUGIN))
    info = tmp_path / "shout_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: shout-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        '[blog2jsonl.formats]\nshout = "shout_plugin:register_formats"\n'.replace('"', "")
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    get_formats.cache_clear()
    yield tmp_path
    get_formats.cache_clear()  # plugins never leak into other tests


def test_a_plugin_format_is_used_like_a_builtin(format_plugin: Path) -> None:
    assert "shout" in get_formats()
    post = format_plugin / "post.md"
    post.write_text("---\ntitle: Hi\n---\nquiet words\n", encoding="utf-8")
    records = list(iter_records([post], format="shout"))
    assert records == [{"shout": "QUIET WORDS"}]
    assert json.dumps(records)  # plain JSON


def test_format_spec_is_exported() -> None:
    assert FormatSpec("x", "y", lambda record, options: {}).strict is False
