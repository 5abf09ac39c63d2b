"""Whole-file checks: duplicates, conflicting completions, train/validation overlap and
OpenAI's legacy prompt/completion conventions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blog2jsonl.check.model import CATEGORIES, Example, Finding, Message
from blog2jsonl.check.rules import (
    MIN_COMMON_PREFIX,
    common_prefix,
    common_suffix,
    example_key,
    find_duplicates,
    find_overlap,
    legacy_conventions,
    normalize_whitespace,
)

TRAIN = "train.jsonl"
VALID = "valid.jsonl"


def chat(line: int, *turns: str, file: str = TRAIN, system: str | None = None) -> Example:
    """A chat example whose turns alternate user, assistant, user..."""
    messages = [Message("system", system)] if system is not None else []
    roles = ("user", "assistant")
    messages += [Message(roles[i % 2], text) for i, text in enumerate(turns)]
    return Example(file, line, "chat", tuple(messages))


def completion(line: int, prompt: str, answer: str, file: str = TRAIN) -> Example:
    return Example(
        file,
        line,
        "completion",
        (Message("user", prompt), Message("assistant", answer)),
        (("prompt", prompt), ("completion", answer)),
    )


def text(line: int, body: str) -> Example:
    return Example(TRAIN, line, "text", (Message("assistant", body),))


def by_category(findings: Iterator[Finding]) -> dict[str, list[Finding]]:
    result: dict[str, list[Finding]] = {}
    for finding in findings:
        assert finding.category in CATEGORIES
        assert finding.severity == "warning"
        result.setdefault(finding.category, []).append(finding)
    return result


# --- helpers -----------------------------------------------------------------------------


def test_normalize_whitespace() -> None:
    assert normalize_whitespace("  a\t\tb \n\n c  ") == "a b c"
    assert normalize_whitespace("\u3000") == ""


def test_example_key_ignores_spacing_but_not_roles_or_words() -> None:
    assert example_key(chat(1, "hi  there", "hello")) == example_key(chat(9, "hi there\n", "hello"))
    assert example_key(chat(1, "hi", "hello")) != example_key(chat(1, "hello", "hi"))
    assert example_key(chat(1, "ab", "c")) != example_key(chat(1, "a", "bc"))
    assert len(example_key(chat(1, "a", "b"))) == 16


def test_common_prefix_and_suffix() -> None:
    assert common_prefix(["interstellar", "internet", "interval"]) == "inter"
    assert common_suffix(["a\n\n###\n\n", "bb\n\n###\n\n"]) == "\n\n###\n\n"
    assert common_prefix([]) == common_suffix([]) == ""
    assert common_prefix(["same"]) == common_suffix(["same"]) == "same"
    assert common_prefix(["abc", ""]) == common_suffix(["abc", "xyz"]) == ""
    assert common_suffix(iter(["one END", "two END"])) == " END"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=6))
def test_common_prefix_and_suffix_properties(strings: list[str]) -> None:
    prefix, suffix = common_prefix(strings), common_suffix(strings)
    assert all(s.startswith(prefix) and s.endswith(suffix) for s in strings)
    # Longest: one more character breaks it for some string.
    shortest = min(strings, key=len)
    if len(prefix) < len(shortest):
        assert not all(s.startswith(shortest[: len(prefix) + 1]) for s in strings)
    if len(suffix) < len(shortest):
        assert not all(s.endswith(shortest[len(shortest) - len(suffix) - 1 :]) for s in strings)


# --- duplicates and conflicts ------------------------------------------------------------


def test_exact_duplicates_grouped_with_sorted_lines() -> None:
    examples = [
        chat(1, "What is a token?", "A piece of a word."),
        chat(2, "Unique", "Answer"),
        chat(3, "What  is a token?\n", "A piece of a word. "),  # spacing differs only
        chat(4, "x", "y"),
        chat(5, "What is a token?", "A piece of a word."),
        chat(6, "x", "y"),
    ]
    found = by_category(find_duplicates(examples))
    assert [f.lines for f in found["duplicate"]] == [(1, 3, 5), (4, 6)]
    first = found["duplicate"][0]
    assert first.file == TRAIN
    assert "line 1" in first.message
    assert "3 times" in first.message
    assert "conflicting-completions" not in found


def test_roles_matter_for_duplicates() -> None:
    a = Example(TRAIN, 1, "chat", (Message("user", "a"), Message("assistant", "b")))
    b = Example(TRAIN, 2, "chat", (Message("system", "a"), Message("assistant", "b")))
    assert list(find_duplicates([a, b])) == []


def test_conflicting_completions() -> None:
    examples = [
        chat(1, "Capital of France?", "Paris."),
        chat(2, "Capital of Spain?", "Madrid."),
        chat(3, "Capital  of France?", "Lyon."),
        chat(4, "Capital of France?", "Paris."),
    ]
    found = by_category(find_duplicates(examples))
    assert [f.lines for f in found["duplicate"]] == [(1, 4)]
    (conflict,) = found["conflicting-completions"]
    assert conflict.lines == (1, 3, 4)
    assert "line 1" in conflict.message
    assert "2 different completions" in conflict.message


def test_conflict_uses_everything_before_the_last_assistant_message() -> None:
    examples = [
        chat(1, "Hi", "Hello", "How are you?", "Fine."),
        chat(2, "Hi", "Hello", "How are you?", "Tired."),
        chat(3, "Hi", "Hey!", "How are you?", "Great."),  # another earlier turn
        chat(4, "Hi", "Hello", "How are you?", "Fine.", system="Be terse."),  # another system
    ]
    (conflict,) = find_duplicates(examples)
    assert conflict.category == "conflicting-completions"
    assert conflict.lines == (1, 2)


def test_text_examples_never_conflict() -> None:
    # A lone assistant message has no prompt; different texts are not a conflict.
    assert list(find_duplicates([text(1, "one post"), text(2, "another post")])) == []
    (dup,) = find_duplicates([text(1, "same post"), text(2, "same  post")])
    assert (dup.category, dup.lines) == ("duplicate", (1, 2))


def test_examples_without_an_assistant_message() -> None:
    examples = [
        Example(TRAIN, 1, "chat", (Message("user", "a"),)),
        Example(TRAIN, 2, "chat", (Message("user", "a"),)),
    ]
    (dup,) = find_duplicates(examples)
    assert dup.lines == (1, 2)


def test_duplicates_are_per_file() -> None:
    examples = [chat(1, "a", "b"), chat(1, "a", "b", file="other.jsonl"), chat(7, "a", "b")]
    (dup,) = find_duplicates(examples)
    assert (dup.file, dup.lines) == (TRAIN, (1, 7))


def test_find_duplicates_reads_the_examples_once() -> None:
    examples = iter([chat(1, "a", "b"), chat(2, "a", "b")])
    assert [f.lines for f in find_duplicates(examples)] == [(1, 2)]


# --- train/validation overlap ------------------------------------------------------------


def test_overlap_names_training_file_and_line() -> None:
    train = [chat(1, "a", "b"), chat(2, "c", "d"), chat(3, "c", "d"), chat(4, "e", "f")]
    validation = [
        chat(1, "z", "z", file=VALID),
        chat(2, " c ", "d", file=VALID),
        chat(3, "a", "b", file=VALID),
        chat(4, "c", "x", file=VALID),  # same prompt, other answer: not the same example
    ]
    (finding,) = find_overlap(iter(train), iter(validation))
    assert finding.category == "train-val-overlap"
    assert finding.file == VALID
    assert finding.lines == (2, 3)
    # The first overlapping validation example (line 2) first appears on training line 2.
    assert "train.jsonl" in finding.message
    assert "line 2 here, is line 2 there" in finding.message
    assert finding.message.startswith("2 examples")


def test_no_overlap() -> None:
    assert list(find_overlap([chat(1, "a", "b")], [chat(1, "a", "c", file=VALID)])) == []
    assert list(find_overlap([], [chat(1, "a", "c", file=VALID)])) == []


# --- legacy conventions ------------------------------------------------------------------


def test_a_file_that_follows_the_conventions_is_clean() -> None:
    examples = [
        completion(1, "Tweet: I love it!\n\n###\n\n", " positive END"),
        completion(2, "Tweet: meh.\n\n###\n\n", " neutral END"),
        completion(3, "Tweet: awful\n\n###\n\n", " negative END"),
    ]
    assert list(legacy_conventions(examples)) == []


def test_no_separator_no_stop_no_leading_space() -> None:
    examples = [
        completion(1, "I love it", "positive"),
        completion(2, "meh", " neutral"),
        completion(3, "awful", "negative"),
    ]
    found = by_category(legacy_conventions(examples))
    (separator,) = found["legacy-separator"]
    assert separator.lines == ()
    assert "--fix --separator '\\n\\n###\\n\\n'" in separator.message
    (stop,) = found["legacy-stop"]
    assert stop.lines == ()
    assert "--fix --stop ' END'" in stop.message
    (space,) = found["legacy-leading-space"]
    assert space.lines == (1, 3)
    assert space.message.startswith("2 of 3 completions")
    assert all(f.file == TRAIN for fs in found.values() for f in fs)


def test_a_shared_word_ending_is_not_a_separator() -> None:
    # "...cat" and "...hat" end alike by chance: no separator, no stop.
    examples = [completion(1, "the cat", " a hat"), completion(2, "the hat", " a cat")]
    found = by_category(legacy_conventions(examples))
    assert found["legacy-separator"][0].lines == ()
    assert found["legacy-stop"][0].lines == ()


def test_sentence_punctuation_is_not_a_separator() -> None:
    examples = [
        completion(1, "Why is the sky blue?", " Rayleigh scattering."),
        completion(2, "What is up?", " Not much."),
    ]
    found = by_category(legacy_conventions(examples))
    assert "common separator" in found["legacy-separator"][0].message
    assert "common stop sequence" in found["legacy-stop"][0].message


def test_separator_found_after_sentence_punctuation() -> None:
    examples = [
        completion(1, "Is it?\n\n###\n\n", " yes\n"),
        completion(2, "It is.\n\n###\n\n", " no\n"),
    ]
    assert list(legacy_conventions(examples)) == []


def test_separator_inside_a_prompt() -> None:
    examples = [
        completion(1, "cat ->", " chat END"),
        completion(2, "dog -> hound ->", " chien END"),
        completion(3, "bird ->", " oiseau END"),
        completion(4, "a->b ->", " ? END"),
    ]
    (finding,) = legacy_conventions(examples)
    assert finding.category == "legacy-separator"
    assert finding.lines == (2,)  # "->" alone (line 4) is not the separator " ->"
    assert "' ->'" in finding.message
    assert "inside 1 prompt" in finding.message


def test_stop_inside_a_completion() -> None:
    examples = [
        completion(1, "a\n\n###\n\n", " one\n"),
        completion(2, "b\n\n###\n\n", " two\nthree\n"),
        completion(3, "c\n\n###\n\n", " four\n\nfive\n"),
    ]
    (finding,) = legacy_conventions(examples)
    assert finding.category == "legacy-stop"
    assert finding.lines == (2, 3)
    assert "'\\n'" in finding.message
    assert "inside 2 completions" in finding.message


def test_a_few_examples_missing_the_separator_and_stop() -> None:
    examples = [
        completion(1, "a\n\n###\n\n", " x END"),
        completion(2, "b\n\n###\n\n", " y END"),
        completion(3, "c", " z END"),
        completion(4, "d\n\n###\n\n", " w"),
        completion(5, "e\n\n###\n\n", " v END"),
    ]
    found = by_category(legacy_conventions(examples))
    (separator,) = found["legacy-separator"]
    assert separator.lines == (3,)
    assert separator.message.startswith(
        "1 prompt does not end with the separator '\\n\\n###\\n\\n'"
    )
    (stop,) = found["legacy-stop"]
    assert stop.lines == (4,)
    assert "' END'" in stop.message
    assert set(found) == {"legacy-separator", "legacy-stop"}


def test_no_majority_means_no_common_separator() -> None:
    examples = [
        completion(1, "a ->", " x END"),
        completion(2, "b\n\n###\n\n", " y END"),
        completion(3, "c:", " z END"),
        completion(4, "d", " w END"),
    ]
    (finding,) = legacy_conventions(examples)
    assert (finding.category, finding.lines) == ("legacy-separator", ())


def test_identical_completions_are_not_all_stop_sequence() -> None:
    examples = [completion(1, "a ->", " yes"), completion(2, "b ->", " yes")]
    found = by_category(legacy_conventions(examples))
    assert list(found) == ["legacy-stop"]


def test_suffix_conventions_need_two_examples() -> None:
    assert list(legacy_conventions([completion(1, "no separator", " no stop")])) == []
    # The leading space is a property of each completion, checked even for one.
    (finding,) = legacy_conventions([completion(7, "Q ->", "A END")])
    assert (finding.category, finding.lines) == ("legacy-leading-space", (7,))
    assert finding.message.startswith("1 of 1 completion does not")
    assert list(legacy_conventions([])) == []


def test_other_formats_are_ignored() -> None:
    examples = [chat(1, "a", "b"), chat(2, "c", "d"), text(3, "no space")]
    assert list(legacy_conventions(examples)) == []


def test_fields_are_used_as_written() -> None:
    # The messages say one thing, the fields (the text as written) another.
    examples = [
        Example(
            TRAIN,
            line,
            "completion",
            (Message("user", "x"), Message("assistant", "y")),
            (("prompt", f"p{line} ->"), ("completion", f" c{line} END")),
        )
        for line in (1, 2)
    ]
    assert list(legacy_conventions(examples)) == []


def test_common_prompt_prefix() -> None:
    instruction = "Classify the sentiment of this tweet: "
    examples = [
        completion(1, instruction + "I love it ->", " positive END"),
        completion(2, instruction + "meh ->", " neutral END"),
        completion(3, instruction + "thanks ->", " positive END"),
    ]
    (finding,) = legacy_conventions(examples)
    assert finding.category == "common-prefix"
    assert repr(instruction) in finding.message
    assert "every prompt" in finding.message


def test_common_prefix_is_cut_back_to_a_word() -> None:
    # They share "Classify the sentiment of this tw", but the word "tw" is not shared.
    examples = [
        completion(1, "Classify the sentiment of this tweet: a ->", " x END"),
        completion(2, "Classify the sentiment of this twit: b ->", " y END"),
    ]
    (finding,) = legacy_conventions(examples)
    assert "'Classify the sentiment of this '" in finding.message


def test_common_completion_prefix() -> None:
    examples = [
        completion(1, "a ->", " The answer to your question is: yes END"),
        completion(2, "b ->", " The answer to your question is: no END"),
    ]
    (finding,) = legacy_conventions(examples)
    assert finding.category == "common-prefix"
    assert "every completion" in finding.message


def test_short_common_prefix_is_fine() -> None:
    opening = "What is the "
    assert len(opening.strip()) < MIN_COMMON_PREFIX
    examples = [
        completion(1, opening + "time ->", " noon END"),
        completion(2, opening + "date ->", " today END"),
    ]
    assert list(legacy_conventions(examples)) == []


def test_legacy_findings_are_per_file() -> None:
    examples = [
        completion(1, "a ->", " x END"),
        completion(2, "b ->", " y END"),
        completion(1, "c", "z", file=VALID),
        completion(2, "d", "w", file=VALID),
    ]
    found = list(legacy_conventions(examples))
    assert found
    assert {f.file for f in found} == {VALID}


@pytest.mark.parametrize("count", [2, 3, 10])
def test_legacy_lines_are_those_of_the_examples(count: int) -> None:
    examples = [completion(10 * i, f"p{i} ->", f"c{i} END") for i in range(1, count + 1)]
    (finding,) = legacy_conventions(examples)
    assert finding.lines == tuple(10 * i for i in range(1, count + 1))


# --- properties --------------------------------------------------------------------------

_TEXT = st.text(alphabet=st.sampled_from("ab ->#\n.?END"), max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_TEXT, _TEXT), max_size=8))
def test_legacy_conventions_never_raise(pairs: list[tuple[str, str]]) -> None:
    examples = [completion(i + 1, p, c) for i, (p, c) in enumerate(pairs)]
    lines = {example.line for example in examples}
    for finding in legacy_conventions(examples):
        assert finding.category in CATEGORIES
        assert set(finding.lines) <= lines
        assert list(finding.lines) == sorted(finding.lines)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "a ", "b"]), st.sampled_from(["x", "y"]))))
def test_duplicate_groups_partition_the_repeated_examples(pairs: list[tuple[str, str]]) -> None:
    examples = [chat(i + 1, p, c) for i, (p, c) in enumerate(pairs)]
    found = by_category(find_duplicates(examples))
    groups = [f.lines for f in found.get("duplicate", [])]
    seen = [line for group in groups for line in group]
    assert len(seen) == len(set(seen))  # disjoint
    assert all(len(group) >= 2 and list(group) == sorted(group) for group in groups)
    keys = [(p.strip(), c) for p, c in pairs]
    repeated = {i + 1 for i, key in enumerate(keys) if keys.count(key) > 1}
    assert set(seen) == repeated
    # A prompt conflicts exactly when it has both answers.
    conflicted = {
        p.strip() for p, c in pairs if (p.strip(), "x") in keys and (p.strip(), "y") in keys
    }
    assert len(found.get("conflicting-completions", [])) == len(conflicted)
