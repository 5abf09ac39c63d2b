"""Checks over a whole training file: duplicates, conflicting completions, examples shared
with the validation file, and OpenAI's legacy prompt/completion conventions.

Examples are compared with their whitespace normalised (runs of whitespace read as one
space, ends stripped), so copies that differ only in spacing still match; only 16-byte
hashes of them are kept, never the texts, so a large file costs little memory.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Final

from .model import Example, Finding, Message

__all__ = [
    "DEFAULT_SEPARATOR",
    "DEFAULT_STOP",
    "LEADING_SPACE_OPTION",
    "MIN_COMMON_PREFIX",
    "SEPARATOR_OPTION",
    "STOP_OPTION",
    "common_prefix",
    "common_suffix",
    "example_key",
    "find_duplicates",
    "find_overlap",
    "legacy_conventions",
    "normalize_whitespace",
]

#: A prefix shared by every prompt (or completion) is reported from this many characters
#: (not counting surrounding whitespace): long enough to be a repeated instruction, not
#: a chance opening such as "What is the".
MIN_COMMON_PREFIX: Final = 20

# The options of the fix step that the legacy findings point to, with the value they
# suggest when the data suggests none. The fix step owns the options; the texts live
# here, in one place, so that the two are easy to keep in step.
SEPARATOR_OPTION: Final = "--fix --separator"
STOP_OPTION: Final = "--fix --stop"
LEADING_SPACE_OPTION: Final = "--fix --leading-space"
DEFAULT_SEPARATOR: Final = "\n\n###\n\n"
DEFAULT_STOP: Final = " END"

# Characters that end ordinary prose. A common ending made of these alone ("." or "?")
# is how sentences end, not a separator or stop sequence someone chose.
_PROSE_ENDINGS: Final = frozenset(".!?…。！？\"'\u201d\u2019»)]")
_PREVIEW: Final = 40


def normalize_whitespace(text: str) -> str:
    """Return ``text`` with each run of whitespace made one space and the ends stripped."""
    return " ".join(text.split())


def _digest(parts: Iterable[str]) -> bytes:
    # Each part is prefixed with its length, so that ("ab", "c") and ("a", "bc") differ.
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.digest()


def _messages_key(messages: Iterable[Message]) -> bytes:
    return _digest(p for m in messages for p in (m.role, normalize_whitespace(m.content)))


def example_key(example: Example) -> bytes:
    """Return a 16-byte hash of ``example``'s roles and whitespace-normalised contents.

    Two examples have the same key when they are the same conversation up to spacing.
    """
    return _messages_key(example.messages)


def _prompt_and_completion(example: Example) -> tuple[bytes, bytes] | None:
    """Hash what comes before the last assistant message, and that message; None when
    there is no assistant message or nothing before it worth calling a prompt."""
    messages = example.messages
    last = next(
        (i for i in range(len(messages) - 1, -1, -1) if messages[i].role == "assistant"), -1
    )
    if last < 0:
        return None
    prompt = messages[:last]
    # A text example is a lone assistant message: all such share the empty prompt, and
    # calling their different texts "conflicting" would be noise.
    if not any(normalize_whitespace(m.content) for m in prompt):
        return None
    return _messages_key(prompt), _digest([normalize_whitespace(messages[last].content)])


def find_duplicates(examples: Iterable[Example]) -> Iterator[Finding]:
    """Find repeated examples and prompts that appear with different completions.

    Takes the examples of a file (or of several: each file is checked on its own) and
    reads them once. Yields, as warnings: one ``duplicate`` finding per group of
    identical examples, and one ``conflicting-completions`` finding per prompt (the
    messages before the last assistant message) that has more than one distinct
    completion (that last message); each finding's ``lines`` are the whole group's.
    Never raises.
    """
    copies: dict[tuple[str, bytes], list[int]] = defaultdict(list)
    prompts: dict[tuple[str, bytes], dict[bytes, list[int]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for example in examples:
        copies[example.file, example_key(example)].append(example.line)
        halves = _prompt_and_completion(example)
        if halves is not None:
            prompt, completion = halves
            prompts[example.file, prompt][completion].append(example.line)

    duplicates = [(file, sorted(lines)) for (file, _), lines in copies.items() if len(lines) > 1]
    for file, lines in sorted(duplicates):
        yield Finding(
            "warning",
            "duplicate",
            f"the example on line {lines[0]} appears {len(lines)} times; keep one copy, "
            "as repeats weigh it more than the rest",
            file,
            tuple(lines),
        )

    conflicts = [
        (
            file,
            sorted(line for group in by_completion.values() for line in group),
            len(by_completion),
        )
        for (file, _), by_completion in prompts.items()
        if len(by_completion) > 1
    ]
    for file, lines, variants in sorted(conflicts):
        yield Finding(
            "warning",
            "conflicting-completions",
            f"the prompt on line {lines[0]} has {variants} different completions; "
            "keep the one you want the model to learn, or make the prompts tell them apart",
            file,
            tuple(lines),
        )


def find_overlap(train: Iterable[Example], validation: Iterable[Example]) -> Iterator[Finding]:
    """Find validation examples that are also (up to whitespace) training examples.

    Reads ``train`` once, keeping a hash and the first line of each distinct example,
    then ``validation``. Yields one ``train-val-overlap`` warning per validation file
    that shares examples, with those examples' lines; its message names the training
    file and the training line of the first one. Never raises.
    """
    seen: dict[bytes, tuple[str, int]] = {}
    for example in train:
        seen.setdefault(example_key(example), (example.file, example.line))

    shared: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    for example in validation:
        match = seen.get(example_key(example))
        if match is not None:
            shared[example.file].append((example.line, *match))

    for file, matches in shared.items():
        matches.sort()
        first_line, train_file, train_line = matches[0]
        count = len(matches)
        yield Finding(
            "warning",
            "train-val-overlap",
            f"{_count(count, 'example')} also in the training file {train_file} (the first, "
            f"line {first_line} here, is line {train_line} there); drop "
            f"{'it' if count == 1 else 'them'} from the validation file, or the validation "
            "loss will flatter the model",
            file,
            tuple(line for line, _, _ in matches),
        )


def common_prefix(strings: Iterable[str]) -> str:
    """Return the longest string that every one of ``strings`` starts with ("" for none)."""
    items = list(strings)
    if not items:
        return ""
    # Every string sorts between the first and the last, so what those two share, all do.
    first, last = min(items), max(items)
    end = 0
    while end < len(first) and first[end] == last[end]:
        end += 1
    return first[:end]


def common_suffix(strings: Iterable[str]) -> str:
    """Return the longest string that every one of ``strings`` ends with ("" for none)."""
    return common_prefix(s[::-1] for s in strings)[::-1]


def legacy_conventions(examples: Sequence[Example]) -> Iterator[Finding]:
    """Check completion-format examples against OpenAI's legacy fine-tuning advice.

    Looks at the ``prompt`` and ``completion`` fields of the ``completion`` examples
    (other formats are ignored), file by file, and yields warnings:

    - ``legacy-separator``: the prompts do not all end with one separator (a common
      ending that is not part of a word, ends in whitespace or punctuation and is more
      than the end of a sentence, such as ``\\n\\n###\\n\\n`` or `` ->``), or some lack
      the separator most of them end with, or the separator also occurs inside a prompt;
    - ``legacy-stop``: the same for a stop sequence ending every completion (`` END``,
      ``\\n``, ``###``), which may end in a word;
    - ``legacy-leading-space``: completions that do not start with whitespace;
    - ``common-prefix``: every prompt, or every completion, starts with the same text of
      at least :data:`MIN_COMMON_PREFIX` characters (cut back to a word boundary).

    Conventions read off the data need at least two examples: with fewer, only
    ``legacy-leading-space`` is checked. Never raises.
    """
    by_file: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for example in examples:
        if example.format == "completion":
            prompt, completion = _fields(example)
            by_file[example.file].append((example.line, prompt, completion))
    for file, rows in by_file.items():
        lines = [line for line, _, _ in rows]
        prompts = [prompt for _, prompt, _ in rows]
        completions = [completion for _, _, completion in rows]
        if len(rows) >= 2:
            yield from _check_ending(file, lines, prompts, stop=False)
            yield from _check_ending(file, lines, completions, stop=True)
        yield from _check_leading_space(file, lines, completions)
        if len(rows) >= 2:
            yield from _check_prefix(file, prompts, "prompt")
            yield from _check_prefix(file, completions, "completion")


def _fields(example: Example) -> tuple[str, str]:
    fields = dict(example.fields)
    prompt = fields.get("prompt")
    completion = fields.get("completion")
    # A reader that did not keep the fields still mapped them onto messages.
    if prompt is None:
        prompt = "".join(m.content for m in example.messages if m.role != "assistant")
    if completion is None:
        completion = "".join(m.content for m in example.messages if m.role == "assistant")
    return prompt, completion


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _do(count: int) -> str:
    return "does" if count == 1 else "do"


def _show(text: str) -> str:
    """Quote ``text`` with its newlines and tabs visible, shortened when long."""
    if len(text) > _PREVIEW:
        text = text[: _PREVIEW - 1] + "…"
    return repr(text)


def _plausible(ending: str, *, stop: bool) -> bool:
    if not ending or all(c in _PROSE_ENDINGS for c in ending):
        return False
    # A separator ends the prompt where the model starts writing, so it must not end in
    # the middle of a word; a stop sequence may be a word (" END").
    return stop or not ending[-1].isalnum()


def _strip_prose(ending: str) -> str:
    """Drop the sentence punctuation an ending starts with ("?\\n\\n###" → "\\n\\n###")."""
    stripped = ending.lstrip("".join(_PROSE_ENDINGS))
    return stripped or ending


def _word_aligned_suffix(strings: Sequence[str]) -> str:
    """Return the common suffix of ``strings``, never a whole string, cut to start at a
    word boundary and without leading sentence punctuation."""
    suffix = common_suffix(strings)
    # An ending that is some example's whole text (" yes" twice) is no convention: keep
    # at least one visible character of each string before the ending.
    room = min(len(s.lstrip()) - 1 for s in strings)
    suffix = suffix[len(suffix) - max(0, min(room, len(suffix))) :]
    if suffix and suffix[0].isalnum() and any(s[-len(suffix) - 1].isalnum() for s in strings):
        # Cut inside a word ("...c|at" and "...h|at"): a shared word ending is chance.
        cut = next((i for i, c in enumerate(suffix) if not c.isalnum()), len(suffix))
        suffix = suffix[cut:]
    return _strip_prose(suffix)


def _trailing_marker(text: str, *, stop: bool) -> str:
    """Return the convention-like ending of one string: its trailing run of non-word
    characters, or for a stop, a final capitalised word with the space before it."""
    end = len(text)
    while end and not text[end - 1].isalnum():
        end -= 1
    marker = text[end:]
    if not marker and stop:
        word = text.rsplit(None, 1)[-1] if text.strip() else ""
        if len(word) >= 2 and word.isupper() and len(text) > len(word):
            space_at = len(text) - len(word) - 1
            marker = text[space_at:] if text[space_at].isspace() else ""
    return _strip_prose(marker)


def _check_ending(
    file: str, lines: Sequence[int], strings: Sequence[str], *, stop: bool
) -> Iterator[Finding]:
    if stop:
        category, kind, noun, option, default = (
            "legacy-stop",
            "stop sequence",
            "completion",
            STOP_OPTION,
            DEFAULT_STOP,
        )
    else:
        category, kind, noun, option, default = (
            "legacy-separator",
            "separator",
            "prompt",
            SEPARATOR_OPTION,
            DEFAULT_SEPARATOR,
        )
    ending = _word_aligned_suffix(strings)
    if not _plausible(ending, stop=stop):
        # Not shared by all: perhaps by most, and a few examples forgot it.
        markers = Counter(_trailing_marker(s, stop=stop) for s in strings)
        markers.pop("", None)
        best = max(markers.items(), key=lambda item: (item[1], len(item[0])), default=None)
        if best is None or best[1] * 2 <= len(strings) or not _plausible(best[0], stop=stop):
            yield Finding(
                "warning",
                category,
                f"the {noun}s do not end with one common {kind}, so the model cannot tell "
                f"where a {noun} ends; add one with {option} {_show(default)}",
                file,
            )
            return
        ending = best[0]
        missing = [line for line, s in zip(lines, strings, strict=True) if not s.endswith(ending)]
        yield Finding(
            "warning",
            category,
            f"{_count(len(missing), noun)} {_do(len(missing))} not end with the {kind} "
            f"{_show(ending)} that the others end with; add it with {option} {_show(ending)}",
            file,
            tuple(missing),
        )

    inside = [
        line
        for line, s in zip(lines, strings, strict=True)
        if ending in (s[: -len(ending)] if s.endswith(ending) else s)
    ]
    if inside:
        yield Finding(
            "warning",
            category,
            f"the {kind} {_show(ending)} also occurs inside {_count(len(inside), noun)}, "
            f"where the model will take it for the end; choose one that never occurs in "
            f"the text, e.g. {option} {_show(default)}",
            file,
            tuple(inside),
        )


def _check_leading_space(
    file: str, lines: Sequence[int], completions: Sequence[str]
) -> Iterator[Finding]:
    # Empty completions are the schema check's to report.
    bare = [line for line, c in zip(lines, completions, strict=True) if c and not c[0].isspace()]
    if bare:
        yield Finding(
            "warning",
            "legacy-leading-space",
            f"{len(bare)} of {_count(len(completions), 'completion')} {_do(len(bare))} not "
            "start with a space; the legacy models tokenize a word with the space before "
            f"it, so start each completion with one ({LEADING_SPACE_OPTION} adds it)",
            file,
            tuple(bare),
        )


def _check_prefix(file: str, strings: Sequence[str], kind: str) -> Iterator[Finding]:
    prefix = common_prefix(strings)
    cut_inside_word = (
        any(len(s) > len(prefix) and s[len(prefix)].isalnum() for s in strings)
        and prefix[-1:].isalnum()
    )
    if cut_inside_word:
        # Back to the last word boundary: "Classify the tw" → "Classify the ".
        end = len(prefix)
        while end and prefix[end - 1].isalnum():
            end -= 1
        prefix = prefix[:end]
    if len(prefix.strip()) < MIN_COMMON_PREFIX:
        return
    advice = (
        "fine-tuning needs no repeated instruction: drop it and keep only what varies"
        if kind == "prompt"
        else "the model will learn to write it every time: drop it and add it back to "
        "what the model generates"
    )
    yield Finding(
        "warning",
        "common-prefix",
        f"every {kind} starts with {_show(prefix)} ({len(prefix)} characters); {advice}",
        file,
    )
