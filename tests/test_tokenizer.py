"""The bundled tiktoken encodings: offline, and identical to tiktoken's own."""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import pickle
import re
import socket
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

import pytest
import tiktoken
import tiktoken_ext.openai_public as openai_public  # type: ignore[import-untyped]

from blog2jsonl import tokenizer
from blog2jsonl.errors import OptionsError
from blog2jsonl.tokenizer import (
    BUNDLED_ENCODINGS,
    count_tokens,
    encoding_for_model,
    get_encoding,
)

SAMPLE_POSTS = Path(__file__).resolve().parent.parent / "sample_posts"

# Each text aims at a different part of the split patterns; "all" runs them together.
TEXTS = {
    "english": "It's a blog post, isn't it? We'LL see: 12345 words, 3.14159, I'd say 2024-03-01.",
    "chinese": "中文博客的标题和正文，标点。我们在周末把旧博客从 Hexo 迁移到了 Hugo！",
    "japanese": "今日は東京でラーメンを食べました。カタカナ、ひらがな、漢字が混ざった文章です。",
    "emoji": "Coding 👩‍💻 at night 🌙, pride 🏳️‍🌈, family 👨‍👩‍👧‍👦, thumbs 👍🏽, flag 🇯🇵 ❤️",
    "combining": (
        "Cafe\u0301 re\u0301sume\u0301, n\u0303, a\u0300\u0301\u0302\u0303, Zoe\u0308 and इंटरनेट"
    ),
    "code": (
        "def slug(title: str) -> str:\n"
        "\treturn re.sub(r'[^a-z0-9]+', '-', title.lower()).strip('-')\n\n"
        "if __name__ == '__main__':\n    print(slug('Hello, World!'))  # hello-world\n"
    ),
    "whitespace": "a   b\t\t c\n\n\n   d \r\n\r\n  e    \n\t\n    ",
    "special": (
        "Models end a document with <|endoftext|>; FIM uses <|fim_prefix|> and <|endofprompt|>."
    ),
    "mixed": (
        "Title: 旅行笔记 ✈️ — day 3 in 京都 (Kyōto)\n\n```js\nconst x = `héllo`;\n```\n<|endoftext|>"
    ),
}


def _block_network(mp: pytest.MonkeyPatch) -> None:
    """Make every attempt to resolve a host or open a connection fail at once."""

    def refuse(*args: Any, **kwargs: Any) -> NoReturn:
        raise OSError("network access is disabled in this test")

    mp.setattr(socket, "getaddrinfo", refuse)
    mp.setattr(socket, "create_connection", refuse)
    mp.setattr(socket.socket, "connect", refuse)
    mp.setattr(socket.socket, "connect_ex", refuse)


def _bundled_bytes(name: str) -> bytes:
    return (resources.files("blog2jsonl") / "encodings" / f"{name}.tiktoken").read_bytes()


def _upstream_pin(name: str) -> tuple[str, str]:
    """The download URL and SHA-256 that tiktoken itself pins for ``name``."""
    source = inspect.getsource(openai_public.ENCODING_CONSTRUCTORS[name])
    url = re.search(r'"(https://[^"]+\.tiktoken)"', source)
    sha256 = re.search(r'expected_hash="([0-9a-f]{64})"', source)
    assert url is not None, source
    assert sha256 is not None, source
    return url.group(1), sha256.group(1)


@pytest.fixture(scope="module", autouse=True)
def _private_tiktoken_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # load_tiktoken_bpe() copies even local files into its cache, by default a shared
    # directory under /tmp; keep these tests from leaving files there.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path_factory.mktemp("tiktoken-default-cache")))
        get_encoding.cache_clear()
        yield
    get_encoding.cache_clear()


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No network and an empty tiktoken cache; yields the cache directory."""
    _block_network(monkeypatch)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    get_encoding.cache_clear()
    yield tmp_path
    get_encoding.cache_clear()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tiktoken.Encoding]:
    """tiktoken's own encodings, built from a cache primed with our files, no network.

    tiktoken looks a download up in TIKTOKEN_CACHE_DIR under the SHA-1 of its URL and
    uses it when the SHA-256 matches, so this builds exactly what a download would.
    """
    cache_dir = tmp_path_factory.mktemp("tiktoken-cache")
    encodings = {}
    with pytest.MonkeyPatch.context() as mp:
        _block_network(mp)
        mp.setenv("TIKTOKEN_CACHE_DIR", str(cache_dir))
        for name in BUNDLED_ENCODINGS:
            url, _ = _upstream_pin(name)
            (cache_dir / hashlib.sha1(url.encode()).hexdigest()).write_bytes(_bundled_bytes(name))
            encodings[name] = tiktoken.Encoding(**openai_public.ENCODING_CONSTRUCTORS[name]())
    return encodings


def test_bundled_encodings_are_the_two_shipped_files() -> None:
    assert BUNDLED_ENCODINGS == ("o200k_base", "cl100k_base")
    shipped = resources.files("blog2jsonl") / "encodings"
    assert sorted(entry.name for entry in shipped.iterdir()) == [
        "cl100k_base.tiktoken",
        "o200k_base.tiktoken",
    ]


@pytest.mark.parametrize("name", BUNDLED_ENCODINGS)
def test_bundled_file_matches_tiktoken_pinned_hash(name: str) -> None:
    _, pinned = _upstream_pin(name)
    assert hashlib.sha256(_bundled_bytes(name)).hexdigest() == pinned


def test_pinned_hashes_are_the_ones_we_expect() -> None:
    # Guards the regex in _upstream_pin: it must find the real digests, not nothing.
    assert _upstream_pin("o200k_base")[1] == (
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
    )
    assert _upstream_pin("cl100k_base")[1] == (
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
    )


@pytest.mark.parametrize("name", BUNDLED_ENCODINGS)
def test_bundled_encoding_is_built_like_tiktoken(
    name: str, reference: dict[str, tiktoken.Encoding]
) -> None:
    ours, theirs = get_encoding(name), reference[name]
    assert ours.name == theirs.name == name
    assert ours._pat_str == theirs._pat_str
    assert ours._special_tokens == theirs._special_tokens
    ranks = tokenizer._mergeable_ranks(_bundled_bytes(name), in_line_order=True)
    assert ranks == theirs._mergeable_ranks
    # And the ranks the encoding was built with are the ones it holds (in its Rust core).
    assert ours.decode_tokens_bytes(list(ranks.values())) == list(ranks)
    assert ours.n_vocab == theirs.n_vocab
    assert ours.max_token_value == theirs.max_token_value


@pytest.mark.parametrize("name", BUNDLED_ENCODINGS)
def test_byte_lengths_read_from_the_file_are_the_decoded_tokens_lengths(
    name: str, reference: dict[str, tiktoken.Encoding]
) -> None:
    ours = tokenizer.token_byte_lengths(get_encoding(name))
    decoded = tokenizer.token_byte_lengths(reference[name])  # decodes every rank
    assert ours == decoded
    assert len(ours) == reference[name].max_token_value + 1
    assert ours[reference[name].eot_token] == len(b"<|endoftext|>")


@pytest.mark.parametrize("name", BUNDLED_ENCODINGS)
def test_a_bundled_encoding_keeps_no_python_copy_of_its_ranks_and_pickles_as_its_name(
    name: str,
) -> None:
    encoding = get_encoding(name)
    assert not hasattr(encoding, "_mergeable_ranks")  # tiktoken keeps it only to pickle
    assert pickle.loads(pickle.dumps(encoding)) is encoding
    assert encoding.decode(encoding.encode_ordinary("naïve 中文 text")) == "naïve 中文 text"


@pytest.mark.parametrize("name", BUNDLED_ENCODINGS)
def test_ranks_in_line_order_holds_for_the_bundled_file(name: str) -> None:
    # The fast path numbers tokens by line instead of parsing each rank: it must give
    # what parsing every rank gives (test_bundled_encoding_is_built_like_tiktoken then
    # compares the result with what tiktoken's own loader reads).
    data = _bundled_bytes(name)
    parsed = tokenizer._mergeable_ranks(data, in_line_order=False)
    assert tokenizer._BUNDLED[name].ranks_in_line_order
    assert tokenizer._mergeable_ranks(data, in_line_order=True) == parsed
    assert list(parsed.values()) == list(range(len(parsed)))


def test_mergeable_ranks_reads_ranks_that_are_not_line_numbers() -> None:
    data = b"IQ== 0\nIg== 5\n\nIw== 2\n"
    assert tokenizer._mergeable_ranks(data, in_line_order=False) == {b"!": 0, b'"': 5, b"#": 2}


def test_bundled_file_with_a_wrong_hash_is_refused() -> None:
    spec = tokenizer._BUNDLED["cl100k_base"]
    altered = dataclasses.replace(spec, sha256="0" * 64)
    with pytest.raises(OptionsError, match="corrupt"):
        tokenizer._build_bundled("cl100k_base", altered)


def _sample_texts() -> list[tuple[str, str]]:
    posts = [(path.name, path.read_text(encoding="utf-8")) for path in SAMPLE_POSTS.glob("*.md")]
    return [*TEXTS.items(), ("all", "\n".join(TEXTS.values())), *sorted(posts)]


@pytest.mark.parametrize("name", BUNDLED_ENCODINGS)
@pytest.mark.parametrize(("label", "text"), _sample_texts(), ids=[t[0] for t in _sample_texts()])
def test_bundled_encoding_tokenizes_like_tiktoken(
    name: str, label: str, text: str, reference: dict[str, tiktoken.Encoding]
) -> None:
    ours, theirs = get_encoding(name), reference[name]
    ordinary = ours.encode_ordinary(text)
    assert ordinary == theirs.encode_ordinary(text)
    assert ours.encode(text, allowed_special="all") == theirs.encode(text, allowed_special="all")
    assert ours.decode(ordinary) == text


def test_special_tokens_are_encoded_when_allowed(reference: dict[str, tiktoken.Encoding]) -> None:
    # Proves the "special" texts exercise the special-token table, not only the regex.
    assert get_encoding("o200k_base").encode("<|endoftext|>", allowed_special="all") == [199999]
    assert get_encoding("cl100k_base").encode("<|endoftext|>", allowed_special="all") == [100257]


def test_get_encoding_works_offline(offline: Path) -> None:
    with pytest.raises(OSError):
        socket.create_connection(("openaipublic.blob.core.windows.net", 443), timeout=1)
    encoding = get_encoding("o200k_base")
    text = "中文博客 👩‍💻 offline"
    assert encoding.decode(encoding.encode_ordinary(text)) == text
    assert get_encoding("o200k_base") is encoding


def test_bundled_encoding_ignores_an_unusable_cache_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    not_a_directory = tmp_path / "cache"
    not_a_directory.write_text("a file where tiktoken expects a directory\n")
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(not_a_directory))
    get_encoding.cache_clear()
    try:
        assert get_encoding("cl100k_base").encode_ordinary("hello world") == [15339, 1917]
    finally:
        get_encoding.cache_clear()
    assert not_a_directory.read_text() == "a file where tiktoken expects a directory\n"


def test_bundled_encoding_writes_nothing_to_the_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    get_encoding.cache_clear()
    try:
        get_encoding("o200k_base")
    finally:
        get_encoding.cache_clear()
    assert list(tmp_path.iterdir()) == []


def test_unknown_encoding_raises_options_error(offline: Path) -> None:
    with pytest.raises(OptionsError, match="no-such-encoding") as excinfo:
        get_encoding("no-such-encoding")
    assert "o200k_base" in str(excinfo.value)
    assert "cl100k_base" in str(excinfo.value)


def test_unbundled_encoding_without_network_raises_options_error(offline: Path) -> None:
    # p50k_base is a real tiktoken encoding, but it would have to be downloaded.
    with pytest.raises(OptionsError, match="p50k_base") as excinfo:
        get_encoding("p50k_base")
    assert "o200k_base" in str(excinfo.value)


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o-mini", "o200k_base"),
        ("gpt-4o", "o200k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("gpt-4", "cl100k_base"),
    ],
)
def test_encoding_for_model(model: str, encoding: str) -> None:
    assert encoding_for_model(model) == encoding


def test_encoding_for_unknown_model_raises_options_error() -> None:
    with pytest.raises(OptionsError, match="--encoding"):
        encoding_for_model("my-local-llama")


@pytest.mark.parametrize("name", BUNDLED_ENCODINGS)
def test_count_tokens_treats_special_token_text_as_ordinary(name: str) -> None:
    count = count_tokens("<|endoftext|>", name)
    assert count > 1
    assert count == len(get_encoding(name).encode_ordinary("<|endoftext|>"))


def test_count_tokens_defaults_to_o200k_base() -> None:
    text = TEXTS["chinese"]
    assert count_tokens(text) == len(get_encoding("o200k_base").encode_ordinary(text))
    assert count_tokens("") == 0
