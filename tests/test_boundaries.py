"""Where text may be cut: ranking, the half-fill rule, scripts and grapheme clusters."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import regex  # type: ignore[import-untyped, unused-ignore]
from hypothesis import given, settings
from hypothesis import strategies as st

from blog2jsonl.chunkers.boundaries import (
    best_cut,
    is_grapheme_boundary,
    overlap_start,
    skip_space,
    trim_end,
)


def reference_boundaries(text: str) -> set[int]:
    """Every grapheme boundary of ``text``, from segmenting all of it."""
    return {0} | {int(m.end()) for m in regex.finditer(r"\X", text)}


def cut_before(text: str, marker: str, limit: int, start: int = 0) -> tuple[int, int]:
    """Return (best_cut, text.index(marker)) for a window that ends at ``limit``."""
    return best_cut(text, start, limit), text.index(marker)


def in_second_half(position: int, start: int, limit: int) -> bool:
    return position >= start + (limit - start) // 2


# Ranking, one category at a time. Each text is longer than the window so that the
# limit == len(text) shortcut does not apply.


def test_paragraph_end_is_preferred() -> None:
    text = "Alpha beta gamma.\nDelta epsilon.\n\nZeta eta, theta. Iota kappa lambda mu"
    limit = text.index("lambda") + 2
    paragraph_end = text.index("\n\n")
    assert in_second_half(paragraph_end, 0, limit)
    # A sentence end, a clause end and spaces all come later; the paragraph still wins.
    assert best_cut(text, 0, limit) == paragraph_end


def test_paragraph_end_is_the_newline_of_a_filled_line() -> None:
    text = "Alpha beta gamma delta\n\n\n\nEpsilon"
    assert best_cut(text, 0, len(text) - 2) == text.index("\n")


def test_paragraph_end_before_trailing_spaces_on_the_blank_line() -> None:
    text = "Alpha beta gamma delta  \n \t \nEpsilon zeta"
    assert best_cut(text, 0, len(text) - 2) == text.index("\n")


def test_line_end_beats_sentence_end() -> None:
    text = "Alpha beta gamma delta epsilon.\nZeta eta. Theta iota"
    limit = len(text) - 2
    assert in_second_half(text.index("\n"), 0, limit)
    assert best_cut(text, 0, limit) == text.index("\n")


def test_sentence_end_beats_clause_and_space() -> None:
    text = "Alpha beta gamma delta epsilon zeta. Eta, theta iota"
    cut, period = cut_before(text, ". Eta", len(text) - 2)
    assert cut == period + 1


@pytest.mark.parametrize("ending", ["!", "?", '."', ".'", ")."])
def test_sentence_end_marks_and_closers(ending: str) -> None:
    text = f"Alpha beta gamma delta epsilon zeta eta{ending} Theta iota kappa"
    cut = best_cut(text, 0, len(text) - 2)
    assert text[:cut] == f"Alpha beta gamma delta epsilon zeta eta{ending}"


def test_closing_quote_stays_with_its_sentence() -> None:
    text = 'After a long pause she finally said "stop." Then we left'
    cut = best_cut(text, 0, len(text) - 2)
    assert text[:cut] == 'After a long pause she finally said "stop."'


def test_decimal_point_is_no_sentence_end() -> None:
    text = "The ratio is about 3.14159 or so, said Archimedes of Syracuse"
    cut = best_cut(text, 0, len(text) - 2)
    assert text[:cut] == "The ratio is about 3.14159 or so,"


def test_clause_end_beats_space() -> None:
    text = "Alpha beta gamma delta epsilon; zeta eta theta iota"
    cut = best_cut(text, 0, len(text) - 2)
    assert text[:cut] == "Alpha beta gamma delta epsilon;"


def test_last_space_in_window() -> None:
    text = "alpha beta gamma delta epsilon"
    limit = text.index("epsilon") + 3
    assert best_cut(text, 0, limit) == text.index(" epsilon")


def test_cut_at_limit_when_limit_is_a_space() -> None:
    text = "alpha beta gamma delta"
    assert best_cut(text, 0, text.index(" delta")) == text.index(" delta")


def test_no_break_space_is_not_a_cut() -> None:
    text = "alpha beta gamma\u00a0delta epsilon"
    limit = text.index("delta") + 2
    assert best_cut(text, 0, limit) == text.index(" gamma")


def test_window_starting_mid_text() -> None:
    text = "zero one two three four five six seven eight"
    start = text.index("two")
    limit = text.index("six") + 1
    assert best_cut(text, start, limit) == text.index(" six")


# The half-fill rule.


def test_early_paragraph_end_loses_to_late_sentence_end() -> None:
    text = "Title\n\nBody text goes on here. More body text follows after it"
    limit = len(text) - 3
    assert not in_second_half(text.index("\n\n"), 0, limit)
    cut = best_cut(text, 0, limit)
    assert text[:cut] == "Title\n\nBody text goes on here."


def test_early_line_end_loses_to_late_space() -> None:
    text = "Heading\nwords words words words words words words"
    limit = len(text) - 2
    assert best_cut(text, 0, limit) == text.rindex(" ")


def test_best_category_anywhere_when_second_half_is_empty() -> None:
    # Past the blank line there is one long "word": nothing to cut at in the second half,
    # so the best category with any candidate (the paragraph end) wins.
    text = "Short.\n\n" + "x" * 60 + " tail"
    limit = 50
    assert best_cut(text, 0, limit) == text.index("\n")


def test_early_space_beats_cutting_a_long_word() -> None:
    text = "See https://example.com/" + "a" * 3000 + " for details"
    assert best_cut(text, 0, 2000) == text.index(" ")


# Words longer than the window.


def test_long_url_is_cut_at_the_limit() -> None:
    text = "https://example.com/" + "a" * 5000 + " tail"
    assert best_cut(text, 0, 2000) == 2000


def test_base64_blob_mid_text() -> None:
    blob = "QUJD" * 2000
    text = "payload: " + blob + " end"
    start = text.index("Q") + 10
    assert best_cut(text, start, start + 500) == start + 500


def test_thai_without_spaces_cuts_at_a_cluster_boundary() -> None:
    # Thai writes no spaces between words; "ก่" is a consonant with a tone mark.
    text = "ก่" * 100 + " end"
    assert best_cut(text, 0, 51) == 50
    assert best_cut(text, 0, 50) == 50


# CJK.


def test_chinese_cut_after_full_stop() -> None:
    text = "我们在周末把旧博客迁移到了新平台。然后我们写了一篇文章介绍这次迁移"
    limit = len(text) - 3
    assert in_second_half(text.index("。"), 0, limit)
    assert text[: best_cut(text, 0, limit)].endswith("。")


def test_chinese_cut_after_fullwidth_comma() -> None:
    text = "我们在周末把旧博客迁移到了新的平台，然后写了一篇文章"
    limit = len(text) - 3
    assert text[: best_cut(text, 0, limit)].endswith("，")


def test_chinese_cut_after_closing_bracket_of_a_sentence() -> None:
    text = "他说：「今天天气很好。」然后我们出门散步去了公园里面"
    limit = len(text) - 3
    assert text[: best_cut(text, 0, limit)].endswith("。」")


def test_chinese_without_punctuation_cuts_between_han() -> None:
    text = "我们在周末把旧博客迁移到了新的平台上面然后写文章"
    assert best_cut(text, 0, 10) == 10


def test_japanese_kana_cut_anywhere() -> None:
    text = "ひらがなとカタカナとかんじがまざったぶんしょうです"
    assert best_cut(text, 0, 12) == 12


def test_latin_word_inside_chinese_is_not_split() -> None:
    text = "我们使用Kubernetes部署服务和数据库"
    limit = text.index("netes")
    assert best_cut(text, 0, limit) == text.index("Kubernetes")


def test_latin_word_inside_chinese_cut_after_it() -> None:
    text = "部署Kubernetes集群"
    limit = text.index("集") + 1
    assert best_cut(text, 0, limit) == limit


def test_full_stop_followed_by_combining_mark_is_no_cut() -> None:
    text = "这是一个句子。\u0301后面还有很多字"
    after_stop = text.index("。") + 1
    for limit in range(after_stop, len(text)):
        cut = best_cut(text, 0, limit)
        assert cut != after_stop
        assert is_grapheme_boundary(text, cut)


# Korean separates words with spaces, like English.


def test_korean_cut_at_space() -> None:
    text = "한국어 텍스트는 띄어쓰기를 사용합니다 그래서"
    limit = text.index("사용") + 2
    assert best_cut(text, 0, limit) == text.index(" 사용")


def test_korean_jamo_sequences_stay_whole() -> None:
    syllable = "\u1100\u1161\u11a8"  # 각 spelled with conjoining jamo
    text = syllable * 50 + " end"
    for limit in range(4, 20):
        assert best_cut(text, 0, limit) == limit - limit % 3


# Grapheme clusters.


@pytest.mark.parametrize(
    "cluster",
    [
        "\U0001f469\u200d\U0001f4bb",  # woman technologist
        "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",  # family
        "\U0001f44d\U0001f3fd",  # thumbs up, medium skin tone
        "\U0001f3f3\ufe0f\u200d\U0001f308",  # rainbow flag
        "e\u0301",  # e with combining acute
        "a\u0300\u0301\u0302\u0303",  # stacked marks
        "\u0915\u094d\u0937",  # Devanagari conjunct
    ],
)
def test_clusters_are_never_split(cluster: str) -> None:
    text = cluster * 40 + " end"
    size = len(cluster)
    for limit in range(size, 10 * size):
        assert best_cut(text, 0, limit) == limit - limit % size


def test_flags_keep_their_pairs() -> None:
    text = "\U0001f1ef\U0001f1f5\U0001f1eb\U0001f1f7" * 20 + " end"  # JP FR ...
    for limit in range(2, 30):
        assert best_cut(text, 0, limit) == limit - limit % 2
    # From an odd start the pairs are still counted from the text's own start.
    assert best_cut(text, 2, 7) == 6


def test_flag_parity_after_an_odd_regional_indicator() -> None:
    text = "x \U0001f1ef" + "\U0001f1ef\U0001f1f5" * 10
    reference = reference_boundaries(text)
    for index in range(len(text) + 1):
        assert is_grapheme_boundary(text, index) == (index in reference)


def test_space_with_combining_mark() -> None:
    text = "abc \u0301def"
    assert not is_grapheme_boundary(text, 4)
    # The space and its mark are one cluster: a chunk starts before the space, not inside.
    assert skip_space(text, 3) == 3
    assert skip_space("ab  \u0301cd", 2) == 3


def test_single_cluster_longer_than_budget_is_cut_at_the_limit() -> None:
    text = "e" + "\u0301" * 5000 + " tail"
    assert best_cut(text, 0, 2000) == 2000


def test_long_run_of_marks_is_segmented_locally() -> None:
    text = "e" + "\u0301" * 2000 + "x"
    assert not is_grapheme_boundary(text, 1000)
    assert is_grapheme_boundary(text, 2001)


@pytest.mark.parametrize(
    "text",
    [
        "x" + "\U0001f1ef" * 1501,  # regional indicators paired from an odd offset
        "\u1100\u1161\u11a8" * 400,  # Korean in conjoining jamo (NFD), no spaces
        "\u0915\u094d" * 700 + "x",  # one endless Devanagari conjunct
    ],
)
def test_runs_longer_than_the_scan_limit(text: str) -> None:
    reference = reference_boundaries(text)
    for index in range(0, len(text) + 1, 7):
        assert is_grapheme_boundary(text, index) == (index in reference)


def test_indic_linker_before_consonant() -> None:
    # regex joins an InCB=Linker such as U+1CF5 to the consonant after it.
    text = "abc\u1cf5\u0915x"
    reference = reference_boundaries(text)
    for index in range(len(text) + 1):
        assert is_grapheme_boundary(text, index) == (index in reference)


# CRLF.


def test_crlf_line_end_cuts_before_cr() -> None:
    text = "line one is the longer one\r\nline two words"
    assert best_cut(text, 0, len(text) - 2) == text.index("\r")


def test_crlf_paragraph_end() -> None:
    text = "para one is the longer one\r\n\r\npara two words"
    assert best_cut(text, 0, len(text) - 2) == text.index("\r")


def test_limit_between_cr_and_lf() -> None:
    text = "abcdefgh\r\nxyz"
    assert best_cut(text, 0, text.index("\n")) == text.index("\r")
    assert not is_grapheme_boundary(text, text.index("\n"))


# Big texts.


def test_five_megabyte_single_line() -> None:
    text = ("lorem ipsum dolor sit amet consectetur " * 130_000)[:5_000_000]
    assert "\n" not in text
    for position in range(4_990_000, 4_998_000, 1000):
        start = skip_space(text, position)
        cut = best_cut(text, start, start + 2000)
        assert start + 1000 <= cut <= start + 2000
        assert text[cut] == " "


def test_five_megabyte_blob() -> None:
    text = "x" * 5_000_000 + " end"
    assert best_cut(text, 4_990_000, 4_992_000) == 4_992_000
    assert is_grapheme_boundary(text, 4_991_234)


# The limit == len(text) shortcut and bad arguments.


def test_limit_at_end_of_text() -> None:
    text = "alpha beta gamma"
    assert best_cut(text, 0, len(text)) == len(text)
    assert best_cut(text, 6, len(text)) == len(text)


@pytest.mark.parametrize(("start", "limit"), [(3, 3), (4, 3), (-1, 3), (0, 99)])
def test_bad_window(start: int, limit: int) -> None:
    with pytest.raises(ValueError, match="start < limit"):
        best_cut("alpha beta", start, limit)


def test_bad_index() -> None:
    with pytest.raises(IndexError):
        is_grapheme_boundary("abc", 4)


# skip_space, trim_end, overlap_start.


def test_skip_space() -> None:
    text = "alpha  \n\t beta"
    assert skip_space(text, 5) == text.index("beta")
    assert skip_space(text, 0) == 0
    assert skip_space("abc   ", 3) == 6
    assert skip_space("\u3000中文", 0) == 1  # ideographic space


def test_trim_end() -> None:
    text = "alpha beta  \n\n gamma"
    assert trim_end(text, 0, text.index("gamma")) == text.index("  ")
    assert trim_end("   ", 1, 3) == 1
    assert trim_end("abc", 0, 3) == 3


def test_trim_end_keeps_a_prepended_cluster_whole() -> None:
    # U+0600 (Arabic number sign) is Prepend: it joins the space after it.
    text = "abc \u0600 \n"
    assert trim_end(text, 0, len(text)) == len(text) - 1


def test_overlap_start_is_a_word_start() -> None:
    text = "alpha beta gamma delta epsilon"
    end = len("alpha beta gamma delta")
    assert overlap_start(text, 0, end, 8) == text.index("delta")
    assert overlap_start(text, 0, end, 7) == text.index("delta")
    assert overlap_start(text, 0, end, 12) == text.index("gamma")
    assert overlap_start(text, 0, end, 3) == text.index("epsilon")


def test_overlap_zero_means_next_word() -> None:
    text = "alpha beta   gamma"
    assert overlap_start(text, 0, 10, 0) == text.index("gamma")


def test_overlap_never_goes_back_to_start() -> None:
    text = "alpha beta gamma"
    assert overlap_start(text, 0, 10, 100) == text.index("beta")
    assert overlap_start(text, 6, 10, 100) == text.index("gamma")


def test_overlap_in_chinese() -> None:
    text = "我们在周末把旧博客迁移到了新平台"
    assert overlap_start(text, 0, 10, 3) == 7


def test_overlap_negative_raises() -> None:
    with pytest.raises(ValueError, match="overlap"):
        overlap_start("alpha beta", 0, 5, -1)


# Properties over text mixing scripts.

LATIN = set(string.ascii_letters + string.digits)
CJK = set("中文字博客我们的。，、：！？「」")
PIECES = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=8),
    st.sampled_from([" ", "  ", "\t", "\n", "\n\n", "\r\n", " \n \n"]),
    st.sampled_from(list(".,;!?\"')…")),
    st.text(alphabet="".join(CJK), min_size=1, max_size=6),
    st.sampled_from(
        [
            "\U0001f469\u200d\U0001f4bb",
            "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",
            "\U0001f44d\U0001f3fd",
            "\u200d",
            "\u0301",
            "\u0308\u0323",
            "e\u0301",
            "\U0001f1ef",
            "\U0001f1f5",
            "\U0001f1ef\U0001f1f5",
            "한국어",
            "\u1100\u1161\u11a8",
            "\u0915\u094d\u0937",
        ]
    ),
)
TEXTS = st.lists(PIECES, min_size=1, max_size=80).map("".join)


def has_candidate(text: str, start: int, limit: int, boundaries: set[int]) -> bool:
    """Whether the window has any place to cut that is no mid-word cut, by brute force."""
    return any(
        p in boundaries
        and (
            (text[p].isspace() and text[p] != "\u00a0")
            or text[p - 1] == "…"
            or text[p - 1] in CJK
            or text[p] in CJK
        )
        for p in range(start + 1, limit + 1)
    )


@st.composite
def windows(draw: st.DrawFn) -> tuple[str, int, int]:
    text = draw(TEXTS.filter(lambda t: not t.isspace()))
    start = skip_space(text, draw(st.integers(0, len(text) - 1)))
    if start == len(text):
        start = skip_space(text, 0)
    limit = draw(st.integers(start + 1, len(text)))
    return text, start, limit


@settings(max_examples=400)
@given(windows())
def test_best_cut_properties(window: tuple[str, int, int]) -> None:
    text, start, limit = window
    boundaries = reference_boundaries(text)
    cut = best_cut(text, start, limit)
    assert start < cut <= limit
    if any(start < b <= limit for b in boundaries):
        assert cut in boundaries
    else:
        assert cut == limit  # one cluster longer than the whole window
    if cut < len(text) and text[cut - 1] in LATIN and text[cut] in LATIN:
        assert not has_candidate(text, start, limit, boundaries)


@given(TEXTS)
def test_is_grapheme_boundary_matches_full_segmentation(text: str) -> None:
    boundaries = reference_boundaries(text)
    assert [is_grapheme_boundary(text, i) for i in range(len(text) + 1)] == [
        i in boundaries for i in range(len(text) + 1)
    ]


@given(TEXTS, st.integers(1, 40))
def test_chunk_loop_covers_the_text(text: str, budget: int) -> None:
    # The loop a chunker runs: only whitespace falls between chunks, and every cut is a
    # grapheme boundary unless one cluster is longer than the whole budget.
    boundaries = reference_boundaries(text)
    position = skip_space(text, 0)
    assert not text[:position].strip()
    while position < len(text):
        limit = min(len(text), position + budget)
        cut = best_cut(text, position, limit)
        end = trim_end(text, position, cut)
        following = skip_space(text, cut)
        assert position < cut <= following
        assert position <= end <= cut
        assert not text[end:following].strip()
        if cut in boundaries:
            assert position < end
            assert end in boundaries
            assert following in boundaries
        else:
            assert not any(position < b <= limit for b in boundaries)
        position = following


@given(TEXTS, st.data())
def test_helpers_properties(text: str, data: st.DataObject) -> None:
    boundaries = reference_boundaries(text)
    index = data.draw(st.integers(0, len(text)))
    skipped = skip_space(text, index)
    assert index <= skipped <= len(text)
    assert skipped in boundaries or skipped == index
    assert text[index:skipped].isspace() or skipped == index

    end = data.draw(st.integers(index, len(text)))
    trimmed = trim_end(text, index, end)
    assert index <= trimmed <= end
    assert text[trimmed:end].strip() == ""

    if index < end:
        overlap = data.draw(st.integers(0, 20))
        nxt = overlap_start(text, index, end, overlap)
        assert nxt > index
        if overlap == 0:
            assert nxt == skip_space(text, end)
        if nxt < end:
            assert nxt >= end - overlap
            assert not text[nxt].isspace()
            assert nxt in boundaries


# Real posts.

CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"


@pytest.mark.parametrize(
    "name",
    [
        "hexo-site/zh-cn/docs/tag-plugins.md",  # Chinese with English terms and code
        "hexo-site/ko/docs/configuration.md",  # Korean
        "hexo-site/th/docs/index.md",  # Thai, no spaces between words
        "jessfraz-blog/post/the-firmware-rabbit-hole.md",  # emoji ZWJ sequences
        "nodejs-blog/uncategorized/10-lts-to-12-lts.md",  # 848 KB
    ],
)
def test_real_posts(name: str) -> None:
    path = CORPORA / name
    if not path.exists():
        pytest.skip(f"corpus file {name} is not here")
    text = path.read_text(encoding="utf-8")
    boundaries = reference_boundaries(text)
    position = skip_space(text, 0)
    while position < len(text):
        limit = min(len(text), position + 500)
        cut = best_cut(text, position, limit)
        assert cut in boundaries
        if cut < len(text) and text[cut - 1] in LATIN and text[cut] in LATIN:
            assert not has_candidate(text, position, limit, boundaries)
        position = overlap_start(text, position, trim_end(text, position, cut), 40)


# The sentence, clause and word finders search the end of their window first.

FINDER_PIECES = st.one_of(
    PIECES,
    st.sampled_from(["。。。", "？！", "……", "」』", '.)"', "?!", "\u201d\u2019", "，、："]),
)


@settings(max_examples=300)
@given(st.lists(FINDER_PIECES, min_size=1, max_size=400).map("".join), st.data())
def test_finders_searching_back_agree_with_one_search(text: str, data: st.DataObject) -> None:
    from blog2jsonl.chunkers import boundaries

    start = data.draw(st.integers(0, max(0, len(text) - 2)))
    limit = data.draw(st.integers(start + 1, len(text) - 1)) if start + 1 < len(text) else 0
    if not start < limit < len(text):
        return
    for pattern in (boundaries._SENTENCE_END, boundaries._CLAUSE_END, boundaries._WORD_END):
        ends = [m.end() for m in pattern.finditer(text, start, limit + 1)]
        valid = [e for e in ends if start < e <= limit and is_grapheme_boundary(text, e)]
        found = boundaries._last_valid_end(pattern)(text, start, limit)
        assert found == (valid[-1] if valid else None)


def test_finders_search_back_past_their_first_stretch(monkeypatch: pytest.MonkeyPatch) -> None:
    from blog2jsonl.chunkers import boundaries

    monkeypatch.setattr(boundaries, "_STRETCH", 2)
    text = "One. Two\u3002\u3002\u3002\u300d" + "x" * 30 + " tail"
    sentence = boundaries._last_valid_end(boundaries._SENTENCE_END)
    assert sentence(text, 0, len(text) - 1) == text.index("\u300d") + 1
    assert sentence(text, 0, 5) == 4
    assert sentence(text, 5, 9) is None
