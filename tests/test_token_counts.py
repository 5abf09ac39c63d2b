"""count_part_tokens: a part's exact token count from the document's tokens and its edges.

The shortcut rests on a claim about tiktoken's pre-tokenizer patterns (a piece always
ends at certain places, whatever follows). These tests hold the claim against the real
encoder on text built to break it: letters next to apostrophes, combining marks,
slashes, digits, CJK punctuation, runs of spaces and newlines, and every part boundary.
"""

from __future__ import annotations

from array import array

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blog2jsonl.chunkers import tokens
from blog2jsonl.chunkers.tokens import TokenOffsets, count_part_tokens
from blog2jsonl.tokenizer import get_encoding

ENCODINGS = ["o200k_base", "cl100k_base"]

# Pieces chosen around the edges the shortcut trusts and the ones it must not.
ATOMS = st.sampled_from(
    [
        "a", "Z", "é", "e\u0301", "ж", "の", "カ", "中", "文", "ß", "İ", "ǅ",
        " ", "  ", "\t", "\n", "\n\n", " \n", "\r", "\x0b", "\xa0", "\u3000", "\u2028",
        "'", "'s", "'ll", "'T", "\u2019", ".", ",", ";", ":", "!", "?",
        "\u3002", "\uff0c", "\u3001", "\uff01",
        "/", "//", "-", "#", "*", ">", "[", "(", "|", "`", "\"", "1", "42", "2024", "½",
        "😀", "👍🏽", "\u200d", "\ufffd", "<|endoftext|>", "http://x.io/a",
    ]
)  # fmt: skip
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFG中文カナжé", min_size=1, max_size=8)


@st.composite
def texts(draw: st.DrawFn) -> str:
    return "".join(draw(st.lists(st.one_of(ATOMS, WORDS), min_size=1, max_size=120)))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts(), data=st.data(), name=st.sampled_from(ENCODINGS))
def test_count_tokens_equals_encoding_the_part_alone(
    text: str, data: st.DataObject, name: str
) -> None:
    encoding = get_encoding(name)
    offsets = TokenOffsets.of(encoding, text)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    expected = len(encoding.encode_ordinary(text[start:end]))
    assert count_part_tokens(text, start, end, encoding, offsets) == expected


@pytest.mark.parametrize("name", ENCODINGS)
def test_count_tokens_at_every_span_of_a_mixed_text(name: str) -> None:
    encoding = get_encoding(name)
    text = (
        "Don't stop.\nIt's 2024/25: naïve cafe\u0301s, 中文，测试。\n"
        "#Title\n- item's\n/path\nWe'll see  \n\n>quote\tend\n"
    )
    offsets = TokenOffsets.of(encoding, text)
    for start in range(len(text)):
        for end in range(start, len(text) + 1):
            expected = len(encoding.encode_ordinary(text[start:end]))
            assert count_part_tokens(text, start, end, encoding, offsets) == expected, (start, end)


def test_count_tokens_encodes_only_the_edges_of_a_long_part() -> None:
    encoding = get_encoding("cl100k_base")
    text = "Words in a line.\n" * 2000
    offsets = TokenOffsets.of(encoding, text)
    calls: list[int] = []

    class Counting:
        name = encoding.name

        def encode_ordinary(self, part: str) -> list[int]:
            calls.append(len(part))
            return encoding.encode_ordinary(part)

    start, end = 5, len(text) - 3
    count = count_part_tokens(text, start, end, Counting(), offsets)  # type: ignore[arg-type]
    assert count == len(encoding.encode_ordinary(text[start:end]))
    assert sum(calls) < 40  # two short edges, not the 34,000-character part


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts(), name=st.sampled_from(ENCODINGS))
def test_offsets_answer_as_the_token_boundaries_say(text: str, name: str) -> None:
    """Every query against the boundaries found by decoding token by token, with the
    text encoded whole and in segments of a few characters (cut at piece edges)."""
    encoding = get_encoding(name)
    tokens_ = encoding.encode_ordinary(text)
    boundaries = [(0, 0)]  # (character offset, tokens) where a token ends between characters
    data = b""
    for count, token in enumerate(tokens_, 1):
        data += encoding.decode_single_token_bytes(token)
        if (
            count == len(tokens_)
            or not 0x80 <= encoding.decode_single_token_bytes(tokens_[count])[0] < 0xC0
        ):
            boundaries.append((len(data.decode("utf-8", "surrogatepass")), count))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tokens, "_SEGMENT", 8)
        patch.setattr(tokens, "_BLOCK", 3)
        patch.setattr(tokens, "_STRIDE", 3)
        # And with lengths kept two bytes a token, as for an encoding with long tokens.
        table, _ = tokens._byte_lengths(encoding)
        patch.setattr(tokens, "_byte_lengths", lambda _: (table, True))
        segmented = TokenOffsets.of(encoding, text)
    assert isinstance(segmented.lengths, array)
    for offsets in (TokenOffsets.of(encoding, text), segmented):
        for position in range(len(text) + 1):
            expected = max(count for char, count in boundaries if char <= position)
            assert offsets.tokens_before(position) == expected
        for count in range(-1, len(tokens_) + 2):
            after = max((c for c, n in boundaries if n <= count), default=0)
            at_least = min((c for c, n in boundaries if n >= count), default=len(text))
            assert offsets.position_after(count) == after
            assert offsets.position_at_least(count) == at_least
