"""Load: reading bytes, strict decoding, newline normalisation and standard input."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from blog2jsonl.errors import DecodeError, FrontMatterError, PostError, ReadError
from blog2jsonl.load import decode, load_post, normalize_newlines, source_for
from blog2jsonl.models import Source

POST = "---\ntitle: Café\n---\n# Héllo\n\nWörds — and 中文.\n"


def write(tmp_path: Path, data: bytes, name: str = "post.md") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


class FakeStdin:
    """Stands in for ``sys.stdin``: only its binary ``buffer`` is read."""

    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


# --- decoding ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding",
    ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"],
)
def test_decodes_utf8_and_bom_marked_utf16_and_utf32(tmp_path: Path, encoding: str) -> None:
    # Python's utf-8-sig and utf-16 codecs write a BOM themselves; for the others, add one.
    text = POST if encoding in ("utf-8", "utf-8-sig", "utf-16") else "\ufeff" + POST
    post = load_post(write(tmp_path, text.encode(encoding)))
    assert post.metadata == {"title": "Café"}
    assert post.body == "# Héllo\n\nWörds — and 中文.\n"
    assert post.body_line == 4


def test_utf8_bom_is_stripped_not_kept_as_text(tmp_path: Path) -> None:
    post = load_post(write(tmp_path, b"\xef\xbb\xbfNo front matter here.\n"))
    assert post.body == "No front matter here.\n"
    assert "\ufeff" not in post.body


def test_only_the_leading_bom_is_stripped() -> None:
    assert decode("\ufeffa\ufeffb".encode(), "p") == "a\ufeffb"


def test_latin1_bytes_are_a_decode_error_naming_path_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "# Menu\n\nUn café, merci.\n".encode("latin-1"))
    with pytest.raises(DecodeError) as caught:
        load_post(path)
    error = caught.value
    assert error.path == str(path)
    assert error.line == 3
    assert "0xE9" in error.message
    assert str(error).startswith(f"{path}:3: not valid UTF-8")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_decode_error_line_counts_every_newline_style(newline: str) -> None:
    data = newline.join(["one", "two", "caf\xe9", "four"]).encode("latin-1")
    with pytest.raises(DecodeError) as caught:
        decode(data, "p")
    assert caught.value.line == 3


def test_decode_error_on_the_first_line() -> None:
    with pytest.raises(DecodeError) as caught:
        decode(b"\x93smart quotes\x94\n", "p")  # Windows-1252
    assert caught.value.line == 1
    assert "0x93" in caught.value.message


def test_a_bad_byte_is_never_silently_dropped() -> None:
    with pytest.raises(DecodeError):
        decode("fine\nnaïve\n".encode() + b"\xff\n", "p")


def test_bad_utf16_after_a_bom_names_its_line() -> None:
    lone_surrogate = b"\x00\xd8"  # U+D800, little-endian
    data = "\ufefffirst\nsecond ".encode("utf-16-le") + lone_surrogate + "x".encode("utf-16-le")
    with pytest.raises(DecodeError) as caught:
        decode(data, "p")
    assert caught.value.line == 2
    assert "UTF-16-LE" in caught.value.message


def test_truncated_utf16_is_a_decode_error() -> None:
    with pytest.raises(DecodeError):
        decode("\ufeffabc".encode("utf-16-le") + b"\x41", "p")


def test_utf16_without_a_bom_is_not_guessed() -> None:
    # Without a BOM the bytes must be UTF-8, and UTF-16's NUL bytes give it away.
    with pytest.raises(DecodeError, match="NUL"):
        decode("plain ascii".encode("utf-16-le"), "p")


def test_nul_bytes_are_a_decode_error_naming_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, b"line one\r\nline two\rbinary\x00junk\n")
    with pytest.raises(DecodeError) as caught:
        load_post(path)
    assert caught.value.path == str(path)
    assert caught.value.line == 3
    assert "NUL" in caught.value.message


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_nul_characters_are_a_decode_error_whatever_the_encoding(encoding: str) -> None:
    # Only in UTF-8 is a zero byte the same thing as a NUL character; a UTF-16 or
    # UTF-32 post has zero bytes everywhere and is refused only for a real NUL.
    text = "\ufeffline one\nWörds 中文 \U0001f600\n"
    assert decode(text.encode(encoding), "p") == text[1:]
    with pytest.raises(DecodeError, match="NUL") as caught:
        decode((text + "then\0binary\n").encode(encoding), "p")
    assert caught.value.line == 3


# --- reading -------------------------------------------------------------------------


def test_a_directory_is_a_read_error(tmp_path: Path) -> None:
    folder = tmp_path / "posts.md"
    folder.mkdir()
    with pytest.raises(ReadError) as caught:
        load_post(folder)
    error = caught.value
    assert isinstance(error, PostError)
    assert (error.path, error.line) == (str(folder), 1)
    assert str(error) == f"{folder}:1: {error.message}"
    assert error.message.startswith("cannot read: ")


def test_a_missing_file_is_a_read_error(tmp_path: Path) -> None:
    missing = tmp_path / "gone.md"
    with pytest.raises(ReadError) as caught:
        load_post(missing)
    assert str(caught.value).startswith(f"{missing}:1: cannot read: ")
    assert "No such file" in caught.value.message


# --- newlines ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\r\nb\r\n", "a\nb\n"),
        ("a\rb\r", "a\nb\n"),
        ("a\r\n\rb\n\r\n", "a\n\nb\n\n"),
        ("no newline at all", "no newline at all"),
        ("a\u2028b\u2029c\x85d\n", "a\u2028b\u2029c\x85d\n"),
    ],
)
def test_normalize_newlines(raw: str, expected: str) -> None:
    assert normalize_newlines(raw) == expected


def test_crlf_post_is_normalised_and_keeps_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, b"---\r\ntitle: Windows\r\n---\r\n\r\nBody\r\nmore\rlast\r\n")
    post = load_post(path)
    assert post.metadata == {"title": "Windows"}
    assert post.body == "\nBody\nmore\nlast\n"
    assert post.body_line == 4


def test_line_separator_stays_text_and_is_not_a_line_break(tmp_path: Path) -> None:
    text = "---\nsummary: one\u2028two\ntitle: T\n---\nBody\u2028same line\n"
    post = load_post(write(tmp_path, text.encode("utf-8")))
    assert post.metadata == {"summary": "one\u2028two", "title": "T"}
    assert post.body == "Body\u2028same line\n"
    assert post.body_line == 5


# --- sources and standard input --------------------------------------------------------


def test_source_for_a_path_and_for_stdin(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "post.md"
    assert source_for(path) == Source(path, str(path), "post.md")
    assert source_for("-") == Source(None, "<stdin>", "-")


def test_load_post_accepts_str_path_and_source(tmp_path: Path) -> None:
    path = write(tmp_path, b"# Hi\n")
    source = Source(path, "shown/as.md", "as.md")
    assert load_post(str(path)).source == Source(path, str(path), "post.md")
    assert load_post(source).source is source
    assert load_post(path).body == "# Hi\n"


def test_stdin_is_read_as_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        sys, "stdin", FakeStdin("---\r\ntitle: Piped\r\n---\r\nBody\r\n".encode("utf-16"))
    )
    post = load_post("-")
    assert post.source == Source(None, "<stdin>", "-")
    assert post.metadata == {"title": "Piped"}
    assert (post.body, post.body_line) == ("Body\n", 4)


def test_stdin_source_with_no_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", FakeStdin(b"just text\n"))
    post = load_post(Source(None, "<stdin>", "-"))
    assert (post.body, post.metadata, post.front_matter) == ("just text\n", {}, None)


def test_stdin_decode_error_names_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", FakeStdin(b"ok\nbad \xe9\n"))
    with pytest.raises(DecodeError) as caught:
        load_post("-")
    assert str(caught.value).startswith("<stdin>:2: ")


# --- what load_post hands on -------------------------------------------------------------


def test_front_matter_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, b"---\ntitle: T\ndate: 2021-02-30\n---\nBody\n")
    with pytest.raises(FrontMatterError) as caught:
        load_post(path)
    assert (caught.value.path, caught.value.line) == (str(path), 3)
    assert str(caught.value).startswith(f"{path}:3: ")


def test_unclosed_front_matter_warning_is_a_diagnostic_on_the_post(tmp_path: Path) -> None:
    path = write(tmp_path, b"---\ntitle: Never closed\n\nBody text.\n")
    post = load_post(path)
    assert post.body == "---\ntitle: Never closed\n\nBody text.\n"
    assert post.metadata == {}
    [warning] = post.warnings
    assert (warning.path, warning.line, warning.severity) == (str(path), 1, "warning")
    assert "never closed" in warning.message


def test_post_without_front_matter(tmp_path: Path) -> None:
    post = load_post(write(tmp_path, b"# Title\n\nText.\n"))
    assert (post.body, post.body_line, post.metadata) == ("# Title\n\nText.\n", 1, {})
    assert (post.front_matter, post.title, post.warnings) == (None, None, ())


def test_empty_file(tmp_path: Path) -> None:
    post = load_post(write(tmp_path, b""))
    assert (post.body, post.body_line, post.metadata) == ("", 1, {})
