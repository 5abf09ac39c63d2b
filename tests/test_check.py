"""Tests for ``blog2jsonl.check``: reading any training file, telling and validating its
format, and the report ``check_files`` makes of it.

The broken inputs are small hand-made files in ``tests/fixtures/check/``, one problem per
line, so that each test can name the exact line a finding must point at.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blog2jsonl.check import (
    CheckOptions,
    CheckReport,
    FileReport,
    check_files,
    is_validation_name,
)
from blog2jsonl.check.model import CATEGORIES, FORMATS, Example
from blog2jsonl.check.read import UNREADABLE, iter_rows
from blog2jsonl.check.report import describe_lines
from blog2jsonl.check.schema import detect_format, validate
from blog2jsonl.errors import OptionsError

FIXTURES = Path(__file__).parent / "fixtures" / "check"


def messages(user: str, assistant: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]


def chat(user: str, assistant: str) -> dict[str, object]:
    return {"messages": messages(user, assistant)}


def write_jsonl(path: Path, records: Iterable[object]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def many_chats(count: int, start: int = 0) -> list[dict[str, object]]:
    return [
        chat(f"Question number {i}?", f"Answer number {i}.") for i in range(start, start + count)
    ]


def located(report: FileReport | CheckReport) -> set[tuple[str, int]]:
    """Every (category, line) pair the report's findings point at."""
    files = report.files if isinstance(report, CheckReport) else (report,)
    return {
        (finding.category, line)
        for file in files
        for finding in file.findings
        for line in finding.lines
    }


def categories(report: CheckReport) -> set[str]:
    return {finding.category for file in report.files for finding in file.findings}


def findings_of(report: CheckReport, category: str) -> list[tuple[str, tuple[int, ...], str]]:
    return [
        (finding.severity, finding.lines, finding.message)
        for file in report.files
        for finding in file.findings
        if finding.category == category
    ]


# One problem per line of broken_chat.jsonl; line 18 is blank, the rest are valid.
BROKEN_CHAT = {
    ("not-json", 2),
    ("not-object", 3),
    ("missing-keys", 4),
    ("extra-keys", 5),
    ("unknown-role", 6),
    ("role-order", 7),  # the assistant speaks first
    ("role-order", 8),  # a system message in the middle
    ("role-order", 9),  # ends with the user
    ("role-order", 10),  # two user messages in a row
    ("empty-content", 11),
    ("non-string-content", 12),  # null
    ("non-string-content", 13),  # a list of parts
    ("bad-weight", 14),  # 2
    ("bad-weight", 15),  # on a user message
    ("missing-keys", 17),  # a message without content
}


class TestBrokenChat:
    def test_every_problem_on_its_line(self) -> None:
        report = check_files([FIXTURES / "broken_chat.jsonl"])
        assert located(report) == BROKEN_CHAT

    def test_invalid_utf8_line(self, tmp_path: Path) -> None:
        data = (FIXTURES / "broken_chat.jsonl").read_bytes()
        path = tmp_path / "broken.jsonl"
        path.write_bytes(data + b'{"messages": "caf\xe9"}\n')
        report = check_files([path])
        assert located(report) == BROKEN_CHAT | {("invalid-utf8", 20)}

    def test_only_the_valid_rows_are_examples(self) -> None:
        (file,) = check_files([FIXTURES / "broken_chat.jsonl"]).files
        assert (file.format, file.rows, file.examples) == ("chat", 18, 4)

    def test_severities(self) -> None:
        report = check_files([FIXTURES / "broken_chat.jsonl"])
        for finding in report.files[0].findings:
            expected = "warning" if finding.category == "extra-keys" else "error"
            assert finding.severity == expected, finding

    def test_meta_is_named_as_ours(self) -> None:
        report = check_files([FIXTURES / "broken_chat.jsonl"])
        [(_, lines, message)] = findings_of(report, "extra-keys")
        assert lines == (5,)
        assert "'meta'" in message and "--metadata" in message

    def test_every_category_is_documented(self) -> None:
        report = check_files([FIXTURES / "broken_chat.jsonl"])
        assert categories(report) <= set(CATEGORIES)


class TestReadJsonl:
    def test_bom_blank_lines_and_crlf(self, tmp_path: Path) -> None:
        path = tmp_path / "data.jsonl"
        path.write_bytes(
            b'\xef\xbb\xbf{"text": "one"}\r\n\r\n   \n{"text": "two"}\r\n{"text": "three"}'
        )
        rows = list(iter_rows(path))
        assert [(row.line, row.value) for row in rows] == [
            (1, {"text": "one"}),
            (4, {"text": "two"}),
            (5, {"text": "three"}),
        ]
        assert all(row.finding is None for row in rows)

    def test_gzip(self, tmp_path: Path) -> None:
        path = tmp_path / "data.jsonl.gz"
        path.write_bytes(gzip.compress(b'{"text": "one"}\n\nnot json\n'))
        rows = list(iter_rows(path))
        assert rows[0].value == {"text": "one"}
        assert rows[1].line == 3 and rows[1].finding is not None
        assert rows[1].finding.category == "not-json"

    def test_corrupt_gzip_is_one_finding(self, tmp_path: Path) -> None:
        path = tmp_path / "data.jsonl.gz"
        path.write_bytes(gzip.compress(b'{"text": "one"}\n' * 1000)[:60])
        report = check_files([path])
        [(severity, lines, message)] = findings_of(report, UNREADABLE)
        assert severity == "error" and lines == ()
        assert message.startswith("cannot read: ")

    def test_missing_file(self, tmp_path: Path) -> None:
        report = check_files([tmp_path / "nope.jsonl"])
        assert findings_of(report, UNREADABLE) == [
            ("error", (), "cannot read: No such file or directory")
        ]
        assert "nope.jsonl: training file" in report.text()
        assert not report.ok

    def test_folder(self, tmp_path: Path) -> None:
        report = check_files([tmp_path])
        assert categories(report) == {UNREADABLE}

    def test_nan_and_deep_nesting_are_not_json(self, tmp_path: Path) -> None:
        path = tmp_path / "data.jsonl"
        path.write_text('{"text": NaN}\n' + "[" * 100_000 + "\n" + '{"text": "' + "9" * 9 + '"}\n')
        rows = list(iter_rows(path))
        assert [(row.line, row.finding and row.finding.category) for row in rows] == [
            (1, "not-json"),
            (2, "not-json"),
            (3, None),
        ]

    def test_unknown_extension_is_jsonl(self, tmp_path: Path) -> None:
        path = write_jsonl(tmp_path / "data.txt", [{"text": "hello"}])
        assert [row.value for row in iter_rows(path)] == [{"text": "hello"}]


class TestReadJson:
    def test_array_elements_report_their_lines(self) -> None:
        report = check_files([FIXTURES / "examples.json"])
        (file,) = report.files
        assert (file.format, file.rows, file.examples) == ("text", 5, 3)
        assert located(report) == {("not-object", 6), ("empty-content", 8)}

    def test_row_lines(self) -> None:
        lines = [row.line for row in iter_rows(FIXTURES / "examples.json")]
        assert lines == [2, 3, 6, 8, 9]

    def test_json_lines_named_json(self, tmp_path: Path) -> None:
        path = tmp_path / "data.json"
        path.write_text('{"text": "one"}\n\n{"text": "two"}\n{"text": \n')
        rows = list(iter_rows(path))
        assert [(row.line, row.value) for row in rows[:2]] == [
            (1, {"text": "one"}),
            (3, {"text": "two"}),
        ]
        assert rows[2].line == 4 and rows[2].finding is not None

    def test_single_object_is_one_finding(self, tmp_path: Path) -> None:
        path = tmp_path / "data.json"
        path.write_text('\n{"data": [{"text": "one"}]}\n')
        [row] = list(iter_rows(path))
        assert row.finding is not None
        assert (row.line, row.finding.category) == (2, "not-json")
        assert "expected an array" in row.finding.message

    @pytest.mark.parametrize(
        ("text", "line"),
        [
            ('[\n{"text": "a"},\n{"text": }\n]', 3),
            ('[\n{"text": "a"}\n{"text": "b"}\n]', 3),
            ('[\n{"text": "a"}\n', 3),
            ('[{"text": "a"}]\n\n]', 3),
        ],
    )
    def test_broken_arrays(self, tmp_path: Path, text: str, line: int) -> None:
        path = tmp_path / "data.json"
        path.write_text(text)
        rows = list(iter_rows(path))
        assert rows[0].value == {"text": "a"}
        assert rows[-1].finding is not None
        assert (rows[-1].finding.category, rows[-1].line) == ("not-json", line)

    def test_empty_array_and_empty_file(self, tmp_path: Path) -> None:
        (tmp_path / "a.json").write_text(" [ ] ")
        (tmp_path / "b.json").write_text("")
        assert list(iter_rows(tmp_path / "a.json")) == []
        assert list(iter_rows(tmp_path / "b.json")) == []

    def test_invalid_utf8(self, tmp_path: Path) -> None:
        path = tmp_path / "data.json"
        path.write_bytes(b'[\n{"text": "ok"},\n{"text": "caf\xe9"}\n]')
        [row] = list(iter_rows(path))
        assert row.finding is not None
        assert (row.finding.category, row.line) == ("invalid-utf8", 3)


class TestReadCsv:
    def test_completion_csv(self) -> None:
        report = check_files([FIXTURES / "completion.csv"])
        (file,) = report.files
        assert (file.format, file.rows, file.examples) == ("completion", 5, 3)
        assert {item for item in located(report) if not item[0].startswith("legacy")} == {
            ("extra-keys", 6),  # three cells under a two-column header
            ("empty-content", 7),
        }

    def test_multi_line_cells_start_on_their_first_line(self) -> None:
        rows = list(iter_rows(FIXTURES / "completion.csv"))
        assert [row.line for row in rows] == [2, 3, 6, 7, 8]
        assert rows[1].value == {
            "prompt": "A cell that runs\nover three\nlines ->",
            "completion": " Quoted cells may hold newlines.",
        }

    def test_alpaca_tsv(self) -> None:
        report = check_files([FIXTURES / "alpaca.tsv"])
        (file,) = report.files
        assert (file.format, file.examples) == ("alpaca", 2)
        assert located(report) == {("empty-content", 5)}
        assert [row.line for row in iter_rows(FIXTURES / "alpaca.tsv")] == [2, 3, 5]

    def test_too_few_cells(self, tmp_path: Path) -> None:
        path = tmp_path / "data.csv"
        path.write_text("prompt,completion\nalone\n")
        report = check_files([path])
        assert ("missing-keys", 2) in located(report)

    def test_invalid_utf8_row(self, tmp_path: Path) -> None:
        path = tmp_path / "data.csv"
        path.write_bytes(b"\xef\xbb\xbfprompt,completion\nok, fine\ncaf\xe9, bad\n\nlast, row\n")
        rows = list(iter_rows(path))
        assert [(row.line, row.finding and row.finding.category) for row in rows] == [
            (2, None),
            (3, "invalid-utf8"),
            (5, None),
        ]
        assert rows[0].value == {"prompt": "ok", "completion": " fine"}

    def test_huge_cell(self, tmp_path: Path) -> None:
        path = tmp_path / "data.csv"
        path.write_text("text\n" + "word " * 100_000 + "\n")
        [row] = list(iter_rows(path))
        assert isinstance(row.value, dict) and len(row.value["text"]) == 500_000

    def test_unterminated_quote(self, tmp_path: Path) -> None:
        path = tmp_path / "data.csv"
        path.write_text('text\nfine\n"never closed\nand on\n')
        rows = list(iter_rows(path))
        assert rows[0].value == {"text": "fine"}
        # The csv module reads an open quote to the end of the file, as a cell.
        assert all(row.line in (2, 3) for row in rows)


class TestReadXlsx:
    def test_first_sheet_with_header(self, tmp_path: Path) -> None:
        openpyxl = pytest.importorskip("openpyxl")
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["prompt", "completion"])
        sheet.append(["What is 2 + 2? ->", 4])
        sheet.append([None, None])
        sheet.append(["Multi\nline ->", " yes"])
        sheet.append(["No answer ->", None])
        workbook.create_sheet("ignored").append(["text"])
        path = tmp_path / "data.xlsx"
        workbook.save(path)

        rows = list(iter_rows(path))
        assert [(row.line, row.value) for row in rows] == [
            (2, {"prompt": "What is 2 + 2? ->", "completion": "4"}),
            (4, {"prompt": "Multi\nline ->", "completion": " yes"}),
            (5, {"prompt": "No answer ->", "completion": ""}),
        ]
        report = check_files([path])
        assert report.files[0].format == "completion"
        assert ("empty-content", 5) in located(report)

    def test_not_a_workbook(self, tmp_path: Path) -> None:
        pytest.importorskip("openpyxl")
        path = tmp_path / "data.xlsx"
        path.write_bytes(b"PK\x03\x04 not really a zip")
        report = check_files([path])
        assert categories(report) == {UNREADABLE}

    def test_without_openpyxl(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(__import__("sys").modules, "openpyxl", None)
        path = tmp_path / "data.xlsx"
        path.write_bytes(b"")
        [(severity, lines, message)] = findings_of(check_files([path]), UNREADABLE)
        assert (severity, lines) == ("error", ())
        assert "pip install 'blog2jsonl[xlsx]'" in message


class TestDetection:
    @pytest.mark.parametrize(
        ("record", "format"),
        [
            ({"prompt": "p", "completion": " c"}, "completion"),
            (chat("u", "a"), "chat"),
            ({"text": "t"}, "text"),
            ({"instruction": "i", "input": "", "output": "o"}, "alpaca"),
            (
                {"conversations": [{"from": "human", "value": "h"}, {"from": "gpt", "value": "g"}]},
                "sharegpt",
            ),
        ],
    )
    def test_each_format(self, tmp_path: Path, record: dict[str, object], format: str) -> None:
        path = write_jsonl(tmp_path / "data.jsonl", [record] * 12)
        report = check_files([path])
        (file,) = report.files
        assert (file.format, file.format_forced, file.examples) == (format, False, 12)
        assert report.ok, report.text()

    def test_majority_of_the_first_rows(self) -> None:
        values: list[object] = [{"text": "t"}] * 3 + [chat("u", "a")] * 5 + ["junk", 3]
        assert detect_format(values) == "chat"
        # Only the first 20 objects vote.
        assert detect_format([{"text": "t"}] * 20 + [chat("u", "a")] * 50) == "text"

    def test_strongest_key_wins_within_an_object(self) -> None:
        assert detect_format([{"messages": [], "text": "t", "prompt": "p"}]) == "chat"

    def test_nothing_to_go_on(self) -> None:
        assert detect_format([]) is None
        assert detect_format([[1], "x", {"foo": 1}]) is None

    def test_undetectable_file(self, tmp_path: Path) -> None:
        path = write_jsonl(tmp_path / "data.jsonl", [{"question": "q", "answer": "a"}] * 3)
        report = check_files([path])
        [(severity, lines, message)] = findings_of(report, "missing-keys")
        assert (severity, lines) == ("error", ())
        assert "'question', 'answer'" in message
        for format in FORMATS:
            assert format in message
        assert report.files[0].format is None
        assert "too-few-examples" not in categories(report)

    def test_forced_format(self, tmp_path: Path) -> None:
        records = [{"text": f"text {i}", "prompt": "p"} for i in range(12)]
        path = write_jsonl(tmp_path / "data.jsonl", records)
        forced = check_files([path], CheckOptions(format="text"))
        assert forced.files[0].format == "text" and forced.files[0].format_forced
        assert located(forced) == {("extra-keys", line) for line in range(1, 13)}
        detected = check_files([path])
        assert detected.files[0].format == "completion"
        assert ("missing-keys", 1) in located(detected)

    def test_empty_file(self, tmp_path: Path) -> None:
        path = tmp_path / "empty.jsonl"
        path.write_text("\n\n")
        report = check_files([path])
        assert report.files[0].format is None
        assert findings_of(report, "too-few-examples")[0][0] == "error"


class TestValidate:
    def example(self, value: object, format: str) -> tuple[list[str], Example | None]:
        checked = validate(value, format, "f.jsonl", 7)
        assert all(finding.lines == (7,) for finding in checked.findings)
        return [finding.category for finding in checked.findings], checked.example

    def test_completion(self) -> None:
        found, example = self.example({"prompt": "", "completion": " c"}, "completion")
        assert found == []
        assert example is not None
        assert [(m.role, m.content) for m in example.messages] == [
            ("user", ""),
            ("assistant", " c"),
        ]
        assert example.fields == (("prompt", ""), ("completion", " c"))
        assert self.example({"prompt": "p", "completion": " "}, "completion")[0] == [
            "empty-content"
        ]
        assert self.example({"prompt": 1, "completion": "c"}, "completion")[0] == [
            "non-string-content"
        ]

    def test_alpaca(self) -> None:
        value = {
            "instruction": "Add.",
            "input": "2 and 2",
            "output": "4",
            "system": "Be exact.",
            "history": [["Hi", "Hello"]],
        }
        found, example = self.example(value, "alpaca")
        assert found == []
        assert example is not None
        assert [(m.role, m.content) for m in example.messages] == [
            ("system", "Be exact."),
            ("user", "Hi"),
            ("assistant", "Hello"),
            ("user", "Add.\n\n2 and 2"),
            ("assistant", "4"),
        ]
        found, example = self.example({"instruction": "Add.", "output": "4"}, "alpaca")
        assert example is not None and example.messages[0].content == "Add."
        assert self.example({"instruction": "i", "output": "o", "history": [["x"]]}, "alpaca")[
            0
        ] == ["non-string-content"]
        assert self.example({"output": "o"}, "alpaca")[0] == ["missing-keys"]

    def test_sharegpt(self) -> None:
        report = check_files([FIXTURES / "sharegpt.jsonl"])
        assert located(report) == {
            ("unknown-role", 2),
            ("role-order", 3),
            ("missing-keys", 5),
            ("extra-keys", 5),
        }
        value = json.loads((FIXTURES / "sharegpt.jsonl").read_text().splitlines()[3])
        found, example = self.example(value, "sharegpt")
        assert found == []
        assert example is not None
        assert [m.role for m in example.messages] == ["user", "assistant", "user", "assistant"]

    def test_sharegpt_system(self) -> None:
        turns = [{"from": "human", "value": "h"}, {"from": "gpt", "value": "g"}]
        _, example = self.example({"conversations": turns, "system": "s"}, "sharegpt")
        assert example is not None and example.messages[0].role == "system"
        found, _ = self.example(
            {"conversations": [{"from": "system", "value": "s"}, *turns], "system": "s"},
            "sharegpt",
        )
        assert found == ["role-order"]

    def test_chat_tools(self) -> None:
        value = {
            "messages": [
                {"role": "user", "content": "Weather?"},
                {"role": "assistant", "tool_calls": [{"id": "1", "function": {"name": "w"}}]},
                {"role": "tool", "tool_call_id": "1", "content": "sunny"},
                {"role": "assistant", "content": "Sunny.", "weight": 1},
            ],
            "tools": [],
            "parallel_tool_calls": False,
        }
        found, example = self.example(value, "chat")
        assert found == []
        assert example is not None
        assert '"name": "w"' in example.messages[1].content  # the call's tokens count
        bad = {
            "messages": [{"role": "tool", "content": "x"}, {"role": "assistant", "content": "y"}]
        }
        assert self.example(bad, "chat")[0] == ["role-order"]

    @pytest.mark.parametrize(
        "weight", [True, 1.0, "1", -1, None], ids=["true", "float", "string", "minus", "null"]
    )
    def test_weight_must_be_0_or_1(self, weight: object) -> None:
        value = {
            "messages": [
                {"role": "user", "content": "u"},
                {"role": "assistant", "content": "a", "weight": weight},
            ]
        }
        assert self.example(value, "chat")[0] == ["bad-weight"]

    def test_messages_not_a_list(self) -> None:
        assert self.example({"messages": "hi"}, "chat")[0] == ["not-object"]
        assert self.example({"messages": []}, "chat")[0] == ["empty-content"]
        assert self.example({"messages": ["hi"]}, "chat")[0] == ["not-object"]

    def test_warnings_still_give_an_example(self) -> None:
        found, example = self.example({"text": "t", "id": 3}, "text")
        assert found == ["extra-keys"] and example is not None


class TestCounts:
    @pytest.mark.parametrize(
        ("count", "severity"),
        [(0, "error"), (9, "error"), (10, "warning"), (49, "warning"), (50, None)],
    )
    def test_training(self, tmp_path: Path, count: int, severity: str | None) -> None:
        path = write_jsonl(tmp_path / "train.jsonl", many_chats(count))
        found = findings_of(check_files([path]), "too-few-examples")
        assert [item[0] for item in found] == ([] if severity is None else [severity])

    def test_validation_is_never_an_error(self, tmp_path: Path) -> None:
        path = write_jsonl(tmp_path / "data.val.jsonl", many_chats(3))
        report = check_files([path])
        assert report.files[0].kind == "validation"
        assert [item[0] for item in findings_of(report, "too-few-examples")] == ["warning"]
        assert report.ok
        assert report.files[0].estimate is None

    def test_invalid_rows_do_not_count(self, tmp_path: Path) -> None:
        path = write_jsonl(tmp_path / "train.jsonl", [*many_chats(9), {"messages": []}])
        found = findings_of(check_files([path]), "too-few-examples")
        assert [item[0] for item in found] == ["error"]


class TestTokens:
    def test_over_the_limit(self, tmp_path: Path) -> None:
        records = many_chats(10)
        records[3] = chat("long " * 50, "reply")
        records[7] = chat("short", "long " * 80)
        path = write_jsonl(tmp_path / "train.jsonl", records)
        report = check_files([path], CheckOptions(max_tokens=40))
        found = findings_of(report, "over-token-limit")
        assert [(severity, lines) for severity, lines, _ in found] == [
            ("error", (4,)),
            ("error", (8,)),
        ]
        assert all("over the limit of 40" in message for _, _, message in found)
        assert report.limit == 40

    def test_model_limit(self, tmp_path: Path) -> None:
        path = write_jsonl(tmp_path / "train.jsonl", many_chats(10))
        assert check_files([path], CheckOptions(model="gpt-4o-mini")).limit == 65_536

    def test_unknown_limit_is_not_checked(self, tmp_path: Path) -> None:
        path = write_jsonl(tmp_path / "train.jsonl", many_chats(10))
        report = check_files([path], CheckOptions(model="gpt-5"))
        assert report.limit is None
        assert "no per-example token limit known" in report.text()
        assert report.files[0].estimate is not None

    def test_special_tokens(self, tmp_path: Path) -> None:
        records = many_chats(10)
        records[2] = chat("Explain <|endoftext|>.", "It ends a text.")
        system = {"role": "system", "content": "<|im_start|>"}
        records[5] = {"messages": [system, *messages("u", "a")]}
        path = write_jsonl(tmp_path / "train.jsonl", records)
        found = findings_of(check_files([path]), "special-token")
        assert [(severity, lines) for severity, lines, _ in found] == [
            ("error", (3,)),
            ("error", (6,)),
        ]
        assert "'<|endoftext|>'" in found[0][2]
        assert "'<|im_start|>'" in found[1][2]

    def test_stats_and_estimate(self, tmp_path: Path) -> None:
        path = write_jsonl(tmp_path / "train.jsonl", many_chats(60))
        report = check_files([path], CheckOptions(price_per_mtok=2.0))
        (file,) = report.files
        assert file.total_tokens is not None and file.assistant_tokens is not None
        assert file.total_tokens.count == file.assistant_tokens.count == 60
        assert file.total_tokens.min > file.assistant_tokens.max
        assert file.estimate is not None
        assert file.estimate.examples == 60 and file.estimate.epochs == 3
        assert file.estimate.cost == pytest.approx(file.estimate.billed_tokens * 2 / 1e6)


class TestValidationFiles:
    @pytest.mark.parametrize(
        "name",
        ["out.val.jsonl", "data_valid.csv", "eval-set.json", "DEV.jsonl", "x.validation.jsonl"],
    )
    def test_names_that_mark_one(self, name: str) -> None:
        assert is_validation_name(f"some/dir.train/{name}")

    @pytest.mark.parametrize(
        "name", ["train.jsonl", "medieval.jsonl", "interval.csv", "device.jsonl", "val/x.jsonl"]
    )
    def test_names_that_do_not(self, name: str) -> None:
        assert not is_validation_name(name)

    def test_overlap(self, tmp_path: Path) -> None:
        train = write_jsonl(tmp_path / "train.jsonl", many_chats(20))
        held = write_jsonl(tmp_path / "train.val.jsonl", [*many_chats(2, 100), *many_chats(2, 5)])
        report = check_files([train, held])
        assert [file.kind for file in report.files] == ["training", "validation"]
        [(severity, lines, message)] = findings_of(report, "train-val-overlap")
        assert (severity, lines) == ("warning", (3, 4))
        assert str(train) in message
        assert report.files[1].findings[-1].file == str(held)

    def test_named_by_option_and_added(self, tmp_path: Path) -> None:
        train = write_jsonl(tmp_path / "a.jsonl", many_chats(20))
        held = write_jsonl(tmp_path / "b.jsonl", many_chats(1, 3))
        report = check_files([train], CheckOptions(validation=(str(held),)))
        assert [(file.path, file.kind) for file in report.files] == [
            (str(train), "training"),
            (str(held), "validation"),
        ]
        assert located(report) >= {("train-val-overlap", 1)}

    def test_names_can_be_ignored_by_a_caller_that_knows(self, tmp_path: Path) -> None:
        train = write_jsonl(tmp_path / "my-dev-blog.jsonl", many_chats(5))
        assert check_files([train]).files[0].kind == "validation"
        report = check_files([train], CheckOptions(validation_by_name=False))
        assert report.files[0].kind == "training"
        assert not report.ok  # five examples are too few for training, not for validation
        assert [f.category for f in report.files[0].findings if f.severity == "error"] == [
            "too-few-examples"
        ]

    def test_a_path_twice_is_checked_once(self, tmp_path: Path) -> None:
        train = write_jsonl(tmp_path / "a.jsonl", many_chats(20))
        report = check_files([train, str(train), tmp_path / "." / "a.jsonl"])
        assert len(report.files) == 1


class TestReport:
    def report(self, tmp_path: Path) -> CheckReport:
        shutil.copy(FIXTURES / "broken_chat.jsonl", tmp_path / "broken.jsonl")
        records = [*many_chats(30), *many_chats(3), chat("x" * 30, "y " * 300)]
        write_jsonl(tmp_path / "train.jsonl", records)
        return check_files(
            [tmp_path / "train.jsonl", tmp_path / "broken.jsonl"],
            CheckOptions(price_per_mtok=1.5),
        )

    def test_text(self, tmp_path: Path) -> None:
        report = self.report(tmp_path)
        text = report.text()
        assert text.startswith("Checked for gpt-4.1-mini (o200k_base tokens)")
        assert (
            f"{tmp_path / 'train.jsonl'}: training file, chat (detected), 34 valid examples" in text
        )
        assert "tokens per example  min" in text and "median" in text and "p90" in text
        assert "│" in text and "█" in text  # the histogram
        assert "training estimate: 34 examples x 3 epochs" in text
        assert "about 0.00455 at 1.5 per 1M tokens" in text
        assert "  error    not-json: the line is not JSON\n    line 2: not JSON:" in text
        assert "lines 1, 31: the example on line 1 appears 2 times" in text
        assert text.endswith(f"\n{report.errors} errors, {report.warnings} warnings\n")

    def test_counts(self, tmp_path: Path) -> None:
        report = self.report(tmp_path)
        # broken.jsonl: 14 rows with errors (17 with two) and too few examples; 'meta'.
        assert [(file.errors, file.warnings) for file in report.files] == [(0, 4), (15, 1)]
        # train.jsonl: three duplicated examples, 34 examples
        assert (report.errors, report.warnings) == (15, 5)
        assert not report.ok

    def test_to_json(self, tmp_path: Path) -> None:
        report = self.report(tmp_path)
        document = report.to_json()
        assert json.loads(json.dumps(document)) == document
        assert list(document) == [
            "ok",
            "errors",
            "warnings",
            "model",
            "encoding",
            "limit",
            "price_per_mtok",
            "files",
        ]
        files = document["files"]
        assert isinstance(files, list)
        assert files[0]["tokens"]["total"]["count"] == 34
        assert files[0]["estimate"]["epochs"] == 3
        assert {"category": "not-json", "severity": "error"}.items() <= files[1]["findings"][
            0
        ].items()
        assert json.dumps(document) == json.dumps(self.report(tmp_path).to_json())

    def test_long_line_lists_are_cut(self) -> None:
        assert describe_lines([]) == ""
        assert describe_lines([4]) == "line 4"
        assert describe_lines([3, 7, 9]) == "lines 3, 7, 9"
        assert describe_lines(list(range(1, 131))) == (
            "lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 … and 120 more"
        )

    def test_same_problem_on_many_lines_is_one_finding(self, tmp_path: Path) -> None:
        records = [{**chat("q", "a" * (i + 1)), "meta": {}} for i in range(12)]
        report = check_files([write_jsonl(tmp_path / "t.jsonl", records)])
        [(_, lines, _)] = findings_of(report, "extra-keys")
        assert lines == tuple(range(1, 13))
        assert "lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 … and 2 more:" in report.text()


class TestOptions:
    @pytest.mark.parametrize(
        "options",
        [
            CheckOptions(format="jsonl"),
            CheckOptions(model="not-a-model"),
            CheckOptions(max_tokens=0),
            CheckOptions(price_per_mtok=-1.0),
            CheckOptions(price_per_mtok=float("nan")),
        ],
    )
    def test_bad_options_raise(self, options: CheckOptions) -> None:
        with pytest.raises(OptionsError):
            check_files([], options)

    def test_no_files(self) -> None:
        report = check_files([])
        assert report.ok and report.files == ()
        assert report.text().endswith("0 errors, 0 warnings\n")


class TestLegacy:
    def test_only_for_completion(self) -> None:
        report = check_files([FIXTURES / "legacy_completion.jsonl"])
        assert {"legacy-separator", "legacy-stop", "legacy-leading-space"} <= categories(report)
        assert ("legacy-leading-space", 4) in located(report)

    def test_not_for_chat(self, tmp_path: Path) -> None:
        path = write_jsonl(tmp_path / "t.jsonl", many_chats(12))
        assert not any(c.startswith("legacy") for c in categories(check_files([path])))


# Whatever the bytes, check and fix report; they never raise.
NAMES: Sequence[str] = (
    "data.jsonl",
    "data.json",
    "data.csv",
    "data.tsv",
    "data.jsonl.gz",
    "data.xlsx",
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(
        st.binary(max_size=400),
        st.lists(
            st.sampled_from(
                [
                    b'{"messages": [',
                    b'{"prompt": "p", "completion": " c"}',
                    b'{"text": "\\ud800"}',
                    b"[",
                    b"]",
                    b",",
                    b'"',
                    b"\n",
                    b"\r",
                    b"\t",
                    b"\xff",
                    b"\xef\xbb\xbf",
                    b"text,prompt",
                    b'{"conversations": [{"from": "gpt", "value": 1}]}',
                    b'{"instruction": "i", "output": "o", "history": [[1]]}',
                    b"<|endoftext|>",
                ]
            ),
            max_size=30,
        ).map(b"".join),
    ),
    name=st.sampled_from(NAMES),
)
def test_never_raises_on_bad_input(tmp_path: Path, data: bytes, name: str) -> None:
    from blog2jsonl.check import fix_file

    path = tmp_path / name
    path.write_bytes(data)
    report = check_files([path, path.with_name("x.val.jsonl")], CheckOptions(max_tokens=20))
    json.dumps(report.to_json())
    report.text()
    for format in (None, *FORMATS):
        with contextlib.suppress(OptionsError):
            fix_file(path, tmp_path / "out.jsonl", options=CheckOptions(format=format))
