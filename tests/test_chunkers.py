"""The chunkers: examples, and hypothesis properties that hold for every input.

Properties: parts reassemble the cleaned text (the gaps between them are whitespace;
with overlap a part may start inside the previous one), no part exceeds the budget,
and no part ends inside a word, a character or a grapheme cluster.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blog2jsonl.chunkers import get_registry
from blog2jsonl.chunkers.chars import CharsChunker
from blog2jsonl.chunkers.headings import HeadingsChunker
from blog2jsonl.chunkers.tokens import TokensChunker
from blog2jsonl.clean import clean
from blog2jsonl.models import Chunk, Document, Post, Source
from blog2jsonl.tokenizer import get_encoding

SOURCE = Source(Path("post.md"), "post.md", "post.md")

ASCII_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=9)
CJK_RUNS = st.text(
    alphabet="的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞",
    min_size=1,
    max_size=12,
)
GRAPHEMES = st.sampled_from(["👩\u200d💻", "🇯🇵", "🇫🇷🇩🇪", "e\u0301", "👍🏽", "한국어", "ไทย", "😀"])
PUNCT = st.sampled_from([". ", "! ", "? ", ", ", "; ", "。", "，", "、", "！", " ", " ", " ", "\n"])


@st.composite
def prose(draw: st.DrawFn) -> str:
    pieces: list[str] = []
    for _ in range(draw(st.integers(1, 60))):
        kind = draw(st.integers(0, 9))
        if kind < 5:
            pieces.append(draw(ASCII_WORDS) + " ")
        elif kind < 7:
            pieces.append(draw(CJK_RUNS))
        elif kind < 8:
            pieces.append(draw(GRAPHEMES) + " ")
        else:
            pieces.append(draw(PUNCT))
        if draw(st.integers(0, 15)) == 0:
            pieces.append("\n\n")
    return "".join(pieces).strip()


def document(text: str) -> Document:
    return Document(SOURCE, text)


def graphemes(text: str) -> set[int]:
    return {0} | {m.end() for m in regex.finditer(r"\X", text)}


def check_parts(text: str, chunks: list[Chunk], overlapping: bool = False) -> None:
    assert [c.part for c in chunks] == list(range(1, len(chunks) + 1))
    if not text.strip():
        assert chunks == []
        return
    boundaries = graphemes(text)
    assert chunks[0].start == len(text) - len(text.lstrip())
    assert chunks[-1].end == len(text.rstrip())
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        assert chunk.text == chunk.text.strip() and chunk.text
        assert chunk.start in boundaries and chunk.end in boundaries
        assert "\ufffd" not in chunk.text
    for before, after in itertools.pairwise(chunks):
        assert after.start > before.start
        if overlapping:
            assert after.start <= before.end or not text[before.end : after.start].strip()
        else:
            assert before.end <= after.start
            assert not text[before.end : after.start].strip()  # only whitespace between


def never_splits_words(text: str, chunks: list[Chunk]) -> None:
    for chunk in chunks[:-1]:
        before, after = text[chunk.end - 1], text[chunk.end]
        assert not (
            before.isascii() and before.isalpha() and after.isascii() and after.isalpha()
        ), text[chunk.end - 10 : chunk.end + 10]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=prose(), max_chars=st.integers(20, 400))
def test_chars_properties(text: str, max_chars: int) -> None:
    chunks = list(CharsChunker(max_chars).chunk(document(text)))
    check_parts(text, chunks)
    assert all(len(c.text) <= max_chars for c in chunks)
    never_splits_words(text, chunks)  # words here are shorter than any window


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=prose(), max_chars=st.integers(30, 300), data=st.data())
def test_chars_overlap_properties(text: str, max_chars: int, data: st.DataObject) -> None:
    overlap = data.draw(st.integers(1, max_chars // 2))
    chunks = list(CharsChunker(max_chars, overlap).chunk(document(text)))
    check_parts(text, chunks, overlapping=True)
    assert all(len(c.text) <= max_chars for c in chunks)
    for before, after in itertools.pairwise(chunks):
        assert before.end - after.start <= overlap + 1 or after.start >= before.end


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=prose(),
    max_tokens=st.integers(8, 120),
    encoding=st.sampled_from(["o200k_base", "cl100k_base"]),
)
def test_tokens_properties(text: str, max_tokens: int, encoding: str) -> None:
    chunks = list(TokensChunker(max_tokens, encoding=encoding).chunk(document(text)))
    check_parts(text, chunks)
    enc = get_encoding(encoding)
    for chunk in chunks:
        assert chunk.tokens == len(enc.encode_ordinary(chunk.text)) <= max_tokens
    never_splits_words(text, chunks)


@st.composite
def markdown(draw: st.DrawFn) -> str:
    blocks = []
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):
            level = draw(st.integers(1, 4))
            blocks.append("#" * level + " " + draw(ASCII_WORDS) + " " + draw(ASCII_WORDS))
        blocks.append(draw(prose()).replace("\n\n", "\n"))
    return "\n\n".join(blocks) + "\n"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=markdown(), budget=st.integers(16, 200), in_chars=st.booleans())
def test_headings_properties(body: str, budget: int, in_chars: bool) -> None:
    doc = clean(Post(SOURCE, body, 1, {}))
    options = {"max_chars": budget * 4} if in_chars else {"max_tokens": budget}
    chunks = list(HeadingsChunker(**options).chunk(doc))
    check_parts(doc.text, chunks)
    heading_ends = {h.end for h in doc.headings}
    for chunk in chunks:
        if in_chars:
            assert len(chunk.text) <= budget * 4
        else:
            assert chunk.tokens is not None and chunk.tokens <= budget
        assert chunk.heading_path == doc.heading_path(chunk.start)
    for chunk in chunks[:-1]:
        assert chunk.end not in heading_ends, "a part ends with a heading"


def test_chars_prefers_paragraph_then_line_then_sentence() -> None:
    text = "First paragraph is here, long enough.\nA line.\n\nSecond one. And more words follow"
    first, second = CharsChunker(60).chunk(document(text))
    assert first.text == "First paragraph is here, long enough.\nA line."
    assert second.text.startswith("Second one")
    text = "First line is here, long enough to count.\nSecond. Then more words follow on"
    assert next(CharsChunker(60).chunk(document(text))).text.endswith("count.")
    # A paragraph end in the first half of the window loses to a later sentence end.
    text = "Short.\n\nA much longer second paragraph. It goes on and on and on"
    assert next(CharsChunker(50).chunk(document(text))).text.endswith("paragraph.")
    text = "word " * 30 + "end of sentence. " + "more " * 5
    first = next(CharsChunker(180).chunk(document(text.strip())))
    assert first.text.endswith("end of sentence.")


def test_chars_cuts_chinese_between_characters_but_not_inside_latin_words() -> None:
    text = "这是一个很长的中文句子没有标点符号" * 8 + " internationalization"
    chunks = list(CharsChunker(50).chunk(document(text)))
    assert all(len(c.text) <= 50 for c in chunks)
    assert "".join(c.text for c in chunks[:-1]) + chunks[-1].text.replace(" ", "") == text.replace(
        " ", ""
    )
    assert chunks[-1].text.endswith("internationalization")


def test_single_word_longer_than_budget_is_cut_at_grapheme_boundaries() -> None:
    text = "https://example.com/" + "a" * 100 + "👩\u200d💻" * 20
    chunks = list(CharsChunker(30).chunk(document(text)))
    check_parts(text, chunks)
    assert "".join(c.text for c in chunks) == text


def test_tokens_never_produce_replacement_characters_in_chinese() -> None:
    text = "中文博客的标题和正文，标点。" * 200 + "😀🇯🇵" * 50
    for encoding in ("o200k_base", "cl100k_base"):
        chunks = list(TokensChunker(17, encoding=encoding).chunk(document(text)))
        assert all("\ufffd" not in c.text and (c.tokens or 0) <= 17 for c in chunks)
        assert "".join(c.text for c in chunks) == text


def test_tokens_overlap_repeats_the_end_of_the_previous_part() -> None:
    text = " ".join(f"word{i}" for i in range(400))
    chunks = list(TokensChunker(50, overlap=10).chunk(document(text)))
    for before, after in itertools.pairwise(chunks):
        assert after.start < before.end
        assert text[after.start : before.end].strip()
    assert all((c.tokens or 0) <= 50 for c in chunks)


def test_model_picks_encoding_and_conflicts_are_errors() -> None:
    assert TokensChunker(model="gpt-3.5-turbo").encoding_name == "cl100k_base"
    assert TokensChunker(model="gpt-4o-mini").encoding_name == "o200k_base"
    with pytest.raises(ValueError, match="uses o200k_base"):
        TokensChunker(model="gpt-4o", encoding="cl100k_base")


def test_headings_sections_paths_and_merging() -> None:
    body = (
        "# Guide\n\nIntro text that is long enough to stand alone as a section of its own.\n\n"
        "## Setup\n\n### Install\n\nRun the installer and wait until it is finished completely.\n\n"
        "## Tiny\n\nok\n\n## Usage\n\nUse it every day, and tell your friends about it as well.\n"
    )
    doc = clean(Post(SOURCE, body, 1, {}))
    chunks = list(HeadingsChunker(max_chars=1000, min_size=20).chunk(doc))
    assert [c.text.split("\n")[0] for c in chunks] == ["# Guide", "## Setup", "## Tiny"]
    assert chunks[1].heading_path == ("Guide", "Setup")
    assert "### Install" in chunks[1].text  # an empty section merges with the next
    assert chunks[2].text.endswith("as well.")  # too small: merged into the next section


def test_headings_cuts_long_sections_by_tokens() -> None:
    body = (
        "## Long\n\n" + "A sentence that goes on. " * 300 + "\n\n## Short\n\nDone here, thanks.\n"
    )
    doc = clean(Post(SOURCE, body, 1, {}))
    chunks = list(HeadingsChunker(max_tokens=100).chunk(doc))
    assert len(chunks) > 2
    assert all((c.tokens or 0) <= 100 for c in chunks)
    assert all(c.heading_path[0] == "Long" for c in chunks[:-1])
    assert chunks[-1].text.startswith("## Short") or chunks[-1].heading_path == ("Short",)


def test_registry_builds_each_builtin() -> None:
    registry = get_registry()
    doc = document("Hello world. " * 10)
    for name in ("chars", "tokens", "headings"):
        chunks = list(registry.create(name).chunk(doc))
        assert chunks and chunks[0].text.startswith("Hello world.")
