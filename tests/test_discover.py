from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from blog2jsonl.discover import DEFAULT_EXTENSIONS, STDIN, Skipped, iter_sources
from blog2jsonl.errors import OptionsError
from blog2jsonl.models import Source


def touch(path: Path, text: str = "# post\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def names(items: list[Source | Skipped]) -> list[str]:
    return [item.name for item in items if isinstance(item, Source)]


def skips(items: list[Source | Skipped]) -> list[tuple[str, str]]:
    return [(item.display, item.reason) for item in items if isinstance(item, Skipped)]


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    root = tmp_path / "blog"
    # Created in reverse of the expected order, so that creation order cannot leak in.
    for relative in [
        "z.md",
        "sub/inner/deep.mkdn",
        "sub/b.MD",
        "sub/a.markdown",
        "notes.txt",
        "m.md",
        "B.md",
        "a.md",
    ]:
        touch(root / relative)
    return root


def test_walk_order_and_names(blog: Path) -> None:
    items = list(iter_sources([blog]))
    assert all(isinstance(item, Source) for item in items)
    # Depth first over names sorted in Python str order ("B" < "a" < "m" < "sub" < "z").
    assert names(items) == [
        "B.md",
        "a.md",
        "m.md",
        "sub/a.markdown",
        "sub/b.MD",
        "sub/inner/deep.mkdn",
        "z.md",
    ]


def test_walk_displays_and_paths(blog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(blog.parent)
    items = list(iter_sources(["blog/"]))
    sources = [item for item in items if isinstance(item, Source)]
    assert [source.display for source in sources][:4] == [
        "blog/B.md",
        "blog/a.md",
        "blog/m.md",
        "blog/sub/a.markdown",
    ]
    assert sources[5].display == os.path.join("blog/", "sub", "inner", "deep.mkdn")
    for source in sources:
        assert source.path is not None
        assert source.path.is_file()
        assert source.path.resolve() == (blog / source.name).resolve()


def test_order_does_not_depend_on_creation_order(tmp_path: Path) -> None:
    forward, backward = tmp_path / "forward", tmp_path / "backward"
    files = [f"{letter}/{n}.md" for letter in "cab" for n in (3, 1, 2)]
    for relative in files:
        touch(forward / relative)
    for relative in reversed(files):
        touch(backward / relative)
    expected = [f"{letter}/{n}.md" for letter in "abc" for n in (1, 2, 3)]
    assert names(list(iter_sources([forward]))) == expected
    assert names(list(iter_sources([backward]))) == expected


def test_inputs_keep_their_order(blog: Path, tmp_path: Path) -> None:
    single = touch(tmp_path / "single.md")
    items = list(iter_sources([single, STDIN, blog / "sub"]))
    assert items[0] == Source(path=single, display=str(single), name="single.md")
    assert items[1] == Source(path=None, display="<stdin>", name="-")
    assert names(items[2:]) == ["a.markdown", "b.MD", "inner/deep.mkdn"]


def test_configurable_extensions(blog: Path) -> None:
    assert names(list(iter_sources([blog], extensions=["txt"]))) == ["notes.txt"]
    assert names(list(iter_sources([blog], extensions=(".MKDN", ".txt")))) == [
        "notes.txt",
        "sub/inner/deep.mkdn",
    ]
    # A lone string is one extension, not a list of letters.
    assert names(list(iter_sources([blog], extensions=".txt"))) == ["notes.txt"]
    assert names(list(iter_sources([blog], extensions=[]))) == []


def test_default_extensions() -> None:
    assert DEFAULT_EXTENSIONS == (".md", ".markdown", ".mkdn")


@pytest.mark.parametrize("bad", ["", ".", ".."])
def test_empty_extension_is_an_options_error(bad: str) -> None:
    with pytest.raises(OptionsError):
        iter_sources(["anything"], extensions=[".md", bad])


def test_explicit_file_taken_whatever_its_extension(tmp_path: Path) -> None:
    post = touch(tmp_path / "post.txt")
    assert list(iter_sources([str(post)])) == [
        Source(path=post, display=str(post), name="post.txt")
    ]


def test_stdin() -> None:
    assert list(iter_sources(["-"])) == [Source(path=None, display="<stdin>", name="-")]


def test_path_named_dash_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    touch(tmp_path / "-")
    assert list(iter_sources([Path("-")])) == [Source(path=Path("-"), display="-", name="-")]


def test_missing_input(tmp_path: Path) -> None:
    missing = tmp_path / "nope.md"
    assert list(iter_sources([missing])) == [
        Skipped(str(missing), "no such file", "skipped: no such file or directory")
    ]


def test_directory_with_markdown_name(tmp_path: Path) -> None:
    root = tmp_path / "blog"
    touch(root / "2013-03-19-not-a-post.markdown" / "inner.md")
    touch(root / "z.md")
    items = list(iter_sources([root]))
    assert names(items) == ["2013-03-19-not-a-post.markdown/inner.md", "z.md"]
    assert skips(items) == [(str(root / "2013-03-19-not-a-post.markdown"), "not a file")]
    # Reported before the posts found inside it.
    assert isinstance(items[0], Skipped)


def test_hidden_entries_skipped_silently(tmp_path: Path) -> None:
    root = tmp_path / "blog"
    touch(root / ".git" / "HEAD.md")
    touch(root / ".draft.md")
    touch(root / "sub" / ".hidden" / "x.md")
    touch(root / "post.md")
    assert list(iter_sources([root])) == [
        Source(path=root / "post.md", display=str(root / "post.md"), name="post.md")
    ]


def test_broken_symlink(tmp_path: Path) -> None:
    root = tmp_path / "blog"
    touch(root / "a.md")
    (root / "gone.md").symlink_to(root / "missing.md")
    (root / "gone.png").symlink_to(root / "missing.png")  # not a post: not worth a word
    items = list(iter_sources([root]))
    assert names(items) == ["a.md"]
    assert skips(items) == [(str(root / "gone.md"), "broken symlink")]


def test_broken_symlink_given_explicitly(tmp_path: Path) -> None:
    link = tmp_path / "gone.md"
    link.symlink_to(tmp_path / "missing.md")
    assert skips(list(iter_sources([link]))) == [(str(link), "broken symlink")]


def test_symlink_loop_is_broken(tmp_path: Path) -> None:
    root = tmp_path / "blog"
    root.mkdir()
    (root / "loop.md").symlink_to(root / "loop.md")
    assert skips(list(iter_sources([root]))) == [(str(root / "loop.md"), "broken symlink")]


def test_symlink_to_file_outside_root(tmp_path: Path) -> None:
    root = tmp_path / "blog"
    touch(root / "a.md")
    outside = touch(tmp_path / "secret.md")
    (root / "leak.md").symlink_to(outside)
    items = list(iter_sources([root]))
    assert names(items) == ["a.md"]
    [skip] = [item for item in items if isinstance(item, Skipped)]
    assert skip.display == str(root / "leak.md")
    assert skip.reason == "outside root"
    assert skip.message == f"skipped: symlink leads outside {os.path.realpath(root)}"


def test_symlink_to_file_inside_root_is_a_post(tmp_path: Path) -> None:
    root = tmp_path / "blog"
    real = touch(root / "drafts" / "real.txt")
    (root / "linked.md").symlink_to(real)
    items = list(iter_sources([root]))
    assert items == [
        Source(path=root / "linked.md", display=str(root / "linked.md"), name="linked.md")
    ]
    [source] = items
    assert isinstance(source, Source) and source.path is not None
    assert source.path.read_text(encoding="utf-8") == "# post\n"


def test_symlinked_directory_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "blog"
    touch(root / "posts" / "a.md")
    (root / "again").symlink_to(root / "posts", target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)
    elsewhere = tmp_path / "elsewhere"
    touch(elsewhere / "b.md")
    (root / "outer").symlink_to(elsewhere, target_is_directory=True)
    items = list(iter_sources([root]))
    assert names(items) == ["posts/a.md"]
    assert skips(items) == [
        (str(root / "again"), "symlinked directory"),
        (str(root / "loop"), "symlinked directory"),
        (str(root / "outer"), "outside root"),
    ]


def test_symlinked_root_is_walked(tmp_path: Path) -> None:
    real = tmp_path / "real"
    touch(real / "a.md")
    touch(real / "sub" / "b.md")
    (real / "link.md").symlink_to(real / "sub" / "b.md")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    items = list(iter_sources([link]))
    assert skips(items) == []
    assert [item.display for item in items] == [
        str(link / "a.md"),
        str(link / "link.md"),
        str(link / "sub" / "b.md"),
    ]


def test_fifo_is_not_a_file(tmp_path: Path) -> None:
    root = tmp_path / "blog"
    root.mkdir()
    os.mkfifo(root / "pipe.md")
    os.mkfifo(root / "pipe.txt")
    assert skips(list(iter_sources([root]))) == [(str(root / "pipe.md"), "not a file")]
    assert skips(list(iter_sources([root / "pipe.txt"]))) == [
        (str(root / "pipe.txt"), "not a file")
    ]


def test_unreadable_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "blog"
    touch(root / "a.md")
    touch(root / "locked" / "b.md")
    touch(root / "z.md")
    real_scandir = os.scandir

    # chmod 000 means nothing to root, so the refusal is simulated.
    def scandir(path: str) -> Iterator[os.DirEntry[str]]:
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    items = list(iter_sources([root]))
    assert names(items) == ["a.md", "z.md"]
    assert items[1] == Skipped(
        str(root / "locked"),
        "unreadable directory",
        "skipped: cannot list directory (Permission denied)",
    )


def test_non_utf8_file_name(tmp_path: Path) -> None:
    root = tmp_path / "blog"
    root.mkdir()
    raw = os.path.join(os.fsencode(root), b"caf\xe9.md")
    try:
        with open(raw, "wb") as handle:
            handle.write(b"# caf\xc3\xa9\n")
    except OSError:
        pytest.skip("this file system does not take non-UTF-8 names")
    [source] = list(iter_sources([root]))
    assert isinstance(source, Source)
    assert source.name == "caf\ufffd.md"
    assert source.display == str(root / "caf\ufffd.md")
    for text in (source.name, source.display):
        text.encode("utf-8")  # raises on a lone surrogate
    assert source.path is not None
    assert source.path.read_bytes() == b"# caf\xc3\xa9\n"


def test_walk_is_lazy(blog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    listed: list[str] = []
    real_scandir = os.scandir

    def scandir(path: str) -> Iterator[os.DirEntry[str]]:
        listed.append(os.path.relpath(path, blog))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    items = iter_sources([blog])
    assert listed == []
    first = next(items)
    assert isinstance(first, Source) and first.name == "B.md"
    assert listed == ["."]  # "sub" is not listed before the walk reaches it
    assert names(list(items))[-1] == "z.md"
    assert listed == [".", "sub", os.path.join("sub", "inner")]
