"""Token counting, model limits, statistics, the histogram and the training estimate."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blog2jsonl.check import tokens
from blog2jsonl.check.model import Example, Message
from blog2jsonl.check.tokens import (
    DEFAULT_MODEL,
    MODEL_LIMITS,
    Estimate,
    ExampleTokens,
    Stats,
    count_example,
    describe,
    estimate,
    find_special_tokens,
    histogram,
    model_encoding,
    model_limit,
)
from blog2jsonl.errors import OptionsError
from blog2jsonl.tokenizer import get_encoding

ENCODINGS = ("o200k_base", "cl100k_base")


def _example(fmt: str, *messages: tuple[str, str]) -> Example:
    return Example(
        file="train.jsonl",
        line=1,
        format=fmt,
        messages=tuple(Message(role, content) for role, content in messages),
    )


# --- model limits and encodings ---------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "limit"),
    [
        ("gpt-4o", 65_536),
        ("gpt-4o-mini", 65_536),
        ("gpt-4.1", 65_536),
        ("gpt-4.1-mini", 65_536),
        ("gpt-3.5-turbo-0125", 16_385),
        ("gpt-3.5-turbo-1106", 16_385),
        ("gpt-3.5-turbo-0613", 4_096),
        ("babbage-002", 16_384),
        ("davinci-002", 16_384),
    ],
)
def test_model_limit_of_a_family(model: str, limit: int) -> None:
    assert model_limit(model) == limit


@pytest.mark.parametrize(
    ("model", "limit"),
    [
        ("gpt-4o-mini-2024-07-18", 65_536),
        ("gpt-4o-2024-08-06", 65_536),
        ("gpt-4.1-2025-04-14", 65_536),
        # The longest family wins: gpt-4.1-nano, not gpt-4.1.
        ("gpt-4.1-nano-2025-04-14", MODEL_LIMITS["gpt-4.1-nano"]),
        # An exact dated entry wins over the undated alias.
        ("gpt-3.5-turbo-0613", 4_096),
        ("ft:gpt-4o-mini-2024-07-18:my-org::abc123", 65_536),
        ("ft:gpt-3.5-turbo-0613:my-org::abc123", 4_096),
    ],
)
def test_model_limit_of_a_snapshot(model: str, limit: int) -> None:
    assert model_limit(model) == limit


@pytest.mark.parametrize("model", ["llama-3-8b", "gpt-4o2", "gpt-4.10", "", "gpt-4-turbo"])
def test_model_limit_of_an_unknown_model_is_none(model: str) -> None:
    assert model_limit(model) is None


def test_default_model_has_a_limit_and_an_encoding() -> None:
    assert model_limit(DEFAULT_MODEL) == 65_536
    assert model_encoding(DEFAULT_MODEL) == "o200k_base"


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o-mini", "o200k_base"),
        ("gpt-4o-mini-2024-07-18", "o200k_base"),
        ("gpt-4.1", "o200k_base"),
        ("gpt-4.1-mini-2025-04-14", "o200k_base"),
        ("ft:gpt-4.1-nano-2025-04-14:my-org::abc123", "o200k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("gpt-3.5-turbo-0125", "cl100k_base"),
        ("davinci-002", "cl100k_base"),
    ],
)
def test_model_encoding(model: str, encoding: str) -> None:
    assert model_encoding(model) == encoding


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4.1-mini", "o200k_base"),
        ("gpt-4o-mini-2024-07-18", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("gpt-4-0613", "cl100k_base"),
        ("gpt-3.5-turbo-1106", "cl100k_base"),
        ("babbage-002", "cl100k_base"),
    ],
)
def test_model_encoding_falls_back_when_tiktoken_is_too_old(
    monkeypatch: pytest.MonkeyPatch, model: str, encoding: str
) -> None:
    def unknown(model: str) -> str:
        raise OptionsError(f"tiktoken does not know {model}")

    monkeypatch.setattr(tokens, "encoding_for_model", unknown)
    assert model_encoding(model) == encoding


@pytest.mark.parametrize("model", ["llama-3-8b", "claude-3-haiku", "gpt-4o2"])
def test_model_encoding_of_an_unknown_model_raises(
    monkeypatch: pytest.MonkeyPatch, model: str
) -> None:
    def unknown(model: str) -> str:
        raise OptionsError(f"tiktoken does not know {model}")

    monkeypatch.setattr(tokens, "encoding_for_model", unknown)
    with pytest.raises(OptionsError, match=model):
        model_encoding(model)


def test_model_encoding_of_an_unknown_model_raises_with_real_tiktoken() -> None:
    with pytest.raises(OptionsError):
        model_encoding("no-such-model")


# --- counting ----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding_name", ENCODINGS)
@pytest.mark.parametrize("fmt", ["chat", "sharegpt"])
def test_count_conversation_the_cookbook_way(encoding_name: str, fmt: str) -> None:
    enc = get_encoding(encoding_name)
    system, user, assistant = "Be brief.", "What is a token?", "A piece of a word."
    example = _example(fmt, ("system", system), ("user", user), ("assistant", assistant))

    def n(text: str) -> int:
        return len(enc.encode_ordinary(text))

    expected_total = (
        (3 + n("system") + n(system))
        + (3 + n("user") + n(user))
        + (3 + n("assistant") + n(assistant))
        + 3  # reply priming
    )
    assert count_example(example, enc) == ExampleTokens(
        total=expected_total, assistant=n(assistant)
    )


def test_count_conversation_by_hand_in_o200k() -> None:
    # Each of these words is one token in o200k_base, and so is each role.
    enc = get_encoding("o200k_base")
    assert [len(enc.encode_ordinary(t)) for t in ("user", "assistant", "Hi", "Hello")] == [
        1,
        1,
        1,
        1,
    ]
    example = _example("chat", ("user", "Hi"), ("assistant", "Hello"))
    # (3 + 1 + 1) + (3 + 1 + 1) + 3
    assert count_example(example, enc) == ExampleTokens(total=13, assistant=1)


def test_count_sums_assistant_messages_of_a_multi_turn_chat() -> None:
    enc = get_encoding("o200k_base")
    example = _example(
        "chat", ("user", "a b"), ("assistant", "one two"), ("user", "c"), ("assistant", "three")
    )
    n = len(enc.encode_ordinary("one two")) + len(enc.encode_ordinary("three"))
    assert count_example(example, enc).assistant == n


@pytest.mark.parametrize("encoding_name", ENCODINGS)
@pytest.mark.parametrize("fmt", ["completion", "alpaca", "text"])
def test_count_other_formats_without_overhead(encoding_name: str, fmt: str) -> None:
    enc = get_encoding(encoding_name)
    prompt, completion = "Summarise: tokens are pieces.", " Pieces of words."
    example = _example(fmt, ("user", prompt), ("assistant", completion))
    p, c = len(enc.encode_ordinary(prompt)), len(enc.encode_ordinary(completion))
    assert count_example(example, enc) == ExampleTokens(total=p + c, assistant=c)


def test_count_an_example_without_messages() -> None:
    enc = get_encoding("o200k_base")
    assert count_example(_example("chat"), enc) == ExampleTokens(total=3, assistant=0)
    assert count_example(_example("text"), enc) == ExampleTokens(total=0, assistant=0)


@pytest.mark.parametrize("encoding_name", ENCODINGS)
def test_special_token_text_counts_as_ordinary_text(encoding_name: str) -> None:
    enc = get_encoding(encoding_name)
    text = "The end: <|endoftext|> and <|endofprompt|> and <|im_start|>"
    example = _example("chat", ("user", text), ("assistant", text))
    counted = count_example(example, enc)
    ordinary = len(enc.encode_ordinary(text))
    # As ordinary text, <|endoftext|> is several tokens, not one control token.
    assert len(enc.encode_ordinary("<|endoftext|>")) > 1
    assert counted.assistant == ordinary
    assert counted.total == 3 + (3 + len(enc.encode_ordinary("user")) + ordinary) + (
        3 + len(enc.encode_ordinary("assistant")) + ordinary
    )


# --- special tokens ----------------------------------------------------------------------


@pytest.mark.parametrize("encoding_name", ENCODINGS)
def test_find_special_tokens_in_order_of_first_appearance(encoding_name: str) -> None:
    enc = get_encoding(encoding_name)
    text = "a <|im_start|>user b<|endoftext|> c <|im_start|> <|fim_prefix|><|my_token_7|>"
    assert find_special_tokens(text, enc) == (
        "<|im_start|>",
        "<|endoftext|>",
        "<|fim_prefix|>",
        "<|my_token_7|>",
    )


@pytest.mark.parametrize(
    "text",
    ["", "plain text", "a | b", "<| spaced |>", "<||>", "<|unclosed", "x|>", "<|a-b|>"],
)
def test_find_special_tokens_ignores_lookalikes(text: str) -> None:
    assert find_special_tokens(text, get_encoding("o200k_base")) == ()


def test_find_special_tokens_finds_every_own_special_token() -> None:
    for name in ENCODINGS:
        enc = get_encoding(name)
        for special in enc.special_tokens_set:
            assert find_special_tokens(f"x{special}y", enc) == (special,)


# --- statistics --------------------------------------------------------------------------


def test_describe_by_hand() -> None:
    # Positions (n - 1) * q: 0.9 and 8.1, interpolated linearly as numpy does.
    stats = describe(list(range(1, 11)))
    assert stats is not None
    assert (stats.count, stats.min, stats.max, stats.mean, stats.median) == (10, 1, 10, 5.5, 5.5)
    assert stats.p10 == pytest.approx(1.9)
    assert stats.p90 == pytest.approx(9.1)


def test_describe_small_inputs() -> None:
    assert describe([]) is None
    assert describe([7]) == Stats(1, 7, 7, 7.0, 7.0, 7.0, 7.0)
    assert describe([10, 20]) == Stats(2, 10, 20, 15.0, 15.0, 11.0, 19.0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=200))
def test_describe_is_ordered(values: list[int]) -> None:
    stats = describe(values)
    assert stats is not None
    assert stats.count == len(values)
    assert stats.min <= stats.p10 <= stats.median <= stats.p90 <= stats.max
    assert stats.min <= stats.mean <= stats.max


# --- estimate ----------------------------------------------------------------------------


def test_estimate_few_examples_train_more_epochs() -> None:
    counts = [100, 200, 300, 400, 70_000]
    # 5 * 3 < 100, so epochs = min(25, 100 // 5) = 20; the long example is capped.
    billed = 20 * (100 + 200 + 300 + 400 + 65_536)
    assert estimate(counts, 65_536) == Estimate(5, 20, billed, None)


def test_estimate_very_few_examples_cap_at_25_epochs() -> None:
    assert estimate([10, 10], 4_096).epochs == 25  # min(25, 100 // 2 = 50)


def test_estimate_middle_sized_set_trains_three_epochs() -> None:
    result = estimate([50] * 1_000, 16_385)
    assert (result.epochs, result.billed_tokens) == (3, 3 * 50_000)


def test_estimate_large_set_trains_fewer_epochs() -> None:
    assert estimate([1] * 10_000, 16_385).epochs == 2  # max(1, 25_000 // 10_000)
    assert estimate([1] * 30_000, 16_385).epochs == 1  # max(1, 0)


def test_estimate_boundaries() -> None:
    assert estimate([1] * 33, 10).epochs == 3  # 99 < 100: min(25, 100 // 33) = 3
    assert estimate([1] * 34, 10).epochs == 3
    assert estimate([1] * 8_333, 10).epochs == 3  # 24,999 is not over 25,000
    assert estimate([1] * 8_334, 10).epochs == 2  # 25,002 is


def test_estimate_cost() -> None:
    result = estimate([500_000, 500_000], 1_000_000, price_per_mtok=2.5)
    # 2 examples: min(25, 100 // 2) = 25 epochs of 1,000,000 tokens.
    assert result.billed_tokens == 25_000_000
    assert result.cost == pytest.approx(62.5)


def test_estimate_empty() -> None:
    assert estimate([], 65_536, price_per_mtok=3.0) == Estimate(0, 0, 0, 0.0)
    assert estimate([], 65_536) == Estimate(0, 0, 0, None)


# --- histogram ---------------------------------------------------------------------------


def _parse(line: str) -> tuple[str, str, int]:
    label, bar, count = line.split("│")
    return label.strip(), bar, int(count)


def test_histogram_empty_and_constant() -> None:
    assert histogram([]) == []
    assert histogram([42, 42, 42], width=10) == ["42 │██████████│ 3"]


def test_histogram_equal_width_bins() -> None:
    values = [100, 120, 150, 180, 199, 250, 300, 301, 999, 1000]
    lines = histogram(values, bins=10, width=20)
    parsed = [_parse(line) for line in lines]
    # 901 values wide over at most 10 bins: bins of 100, from 100 to 1099.
    assert [label for label, _, _ in parsed] == [
        f"{start}\u2013{start + 99}" for start in range(100, 1100, 100)
    ]
    assert [count for _, _, count in parsed] == [5, 1, 2, 0, 0, 0, 0, 0, 1, 1]
    assert parsed[0][1] == "█" * 20  # the largest bin is full width
    assert parsed[1][1] == "████    " + " " * 12  # 1/5 of 20 cells
    assert parsed[3][1] == " " * 20
    # The labels are right-aligned: every bar starts in the same column.
    assert len({line.index("│") for line in lines}) == 1


def test_histogram_powers_of_two_for_a_wide_spread() -> None:
    values = [3, 5, 9, 17, 600, 700, 1000]
    parsed = [_parse(line) for line in histogram(values, bins=10, width=8)]
    assert [(label, count) for label, _, count in parsed] == [
        ("2\u20133", 1),
        ("4\u20137", 1),
        ("8\u201315", 1),
        ("16\u201331", 1),
        ("32\u201363", 0),
        ("64\u2013127", 0),
        ("128\u2013255", 0),
        ("256\u2013511", 0),
        ("512\u20131023", 3),
    ]
    assert parsed[-1][1] == "█" * 8
    assert parsed[0][1] == "██▋     "  # 1/3 of 8 cells is 2 and 5/8


def test_histogram_merges_powers_of_two_to_keep_within_bins() -> None:
    values = [1, 2**20]
    parsed = [_parse(line) for line in histogram(values, bins=5)]
    # 21 powers of two over 5 lines: 5 powers each.
    assert [label for label, _, _ in parsed] == [
        "1\u201331",
        "32\u20131023",
        "1024\u201332767",
        "32768\u20131048575",
        "1048576\u201333554431",
    ]
    assert [count for _, _, count in parsed] == [1, 0, 0, 0, 1]


def test_histogram_counts_zero() -> None:
    parsed = [_parse(line) for line in histogram([0, 0, 1, 100, 1000])]
    assert parsed[0][0] == "0\u20131"
    assert parsed[0][2] == 3


def test_histogram_small_counts_still_show() -> None:
    lines = histogram([1] * 1000 + [2], width=10)
    assert [_parse(line)[1] for line in lines] == ["█" * 10, "▏" + " " * 9]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=2**40), min_size=1, max_size=300),
    st.integers(min_value=1, max_value=30),
    st.integers(min_value=1, max_value=60),
)
def test_histogram_properties(values: list[int], bins: int, width: int) -> None:
    lines = histogram(values, bins=bins, width=width)
    parsed = [_parse(line) for line in lines]
    assert 1 <= len(lines) <= bins
    assert sum(count for _, _, count in parsed) == len(values)
    assert all(len(bar) == width for _, bar, _ in parsed)
    assert max(count for _, _, count in parsed) == max(
        count for _, bar, count in parsed if bar == "█" * width
    )
    assert all((count == 0) == (bar.strip() == "") for _, bar, count in parsed)
    assert len({len(line) for line in lines}) == 1
    assert histogram(values, bins=bins, width=width) == lines  # deterministic
