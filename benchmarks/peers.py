"""The comparison rows, each run as ``python benchmarks/peers.py NAME FILES ROOT OUT``.

``FILES`` lists the posts (one absolute path per line, the files blog2jsonl reads),
``ROOT`` is the corpus folder, ``OUT`` the JSONL to write. Every chunker writes its
chunks the way blog2jsonl writes records, ``{"prompt": "<path> Part N", "completion":
" <chunk>"}`` in file order, so one quality function reads every row. The libraries are
imported inside their function, so a subprocess loads only its own.

The peers get each file's raw text (front matter and code included: that is what they
would be handed in practice), decoded as UTF-8. Token budgets use ``cl100k_base``
through tiktoken; ``run.py`` points ``TIKTOKEN_CACHE_DIR`` at the encodings blog2jsonl
bundles, so nothing is downloaded.

Exit status 3 means a library is not installed.
"""

from __future__ import annotations

import glob
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import tiktoken

__all__ = ["BUDGET_CHARS", "BUDGET_TOKENS", "PEERS"]

BUDGET_TOKENS = 512
BUDGET_CHARS = 2000
NOT_INSTALLED = 3

Chunk = Callable[[str], Iterable[str]]


def _texts(paths: list[Path]) -> Iterator[tuple[str, str]]:
    for path in paths:
        yield str(path), path.read_bytes().decode("utf-8", errors="replace")


def _write(out: IO[str], name: str, chunks: Iterable[str], title: str | None = None) -> None:
    for part, chunk in enumerate(chunks, 1):
        record = {"prompt": f"{name} Part {part}", "completion": " " + chunk}
        if title is not None:
            record["title"] = title
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def _chunk_files(paths: list[Path], out_path: Path, chunk: Chunk) -> None:
    with out_path.open("w", encoding="utf-8") as out:
        for name, text in _texts(paths):
            _write(out, name, chunk(text))


def _cl100k() -> tiktoken.Encoding:
    import tiktoken

    return tiktoken.get_encoding("cl100k_base")


def langchain_tokens(paths: list[Path], root: Path, out: Path) -> None:
    """langchain-text-splitters TokenTextSplitter: 512 cl100k_base tokens, no overlap."""
    from langchain_text_splitters import TokenTextSplitter

    splitter = TokenTextSplitter(
        encoding_name="cl100k_base", chunk_size=BUDGET_TOKENS, chunk_overlap=0
    )
    _chunk_files(paths, out, splitter.split_text)


def langchain_markdown(paths: list[Path], root: Path, out: Path) -> None:
    """MarkdownHeaderTextSplitter at # and ## (headers kept), then
    RecursiveCharacterTextSplitter.from_tiktoken_encoder: 512 cl100k_base tokens."""
    from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

    sections = MarkdownHeaderTextSplitter([("#", "h1"), ("##", "h2")], strip_headers=False)
    splitter = RecursiveCharacterTextSplitter.from_tiktoken_encoder(
        encoding_name="cl100k_base", chunk_size=BUDGET_TOKENS, chunk_overlap=0
    )

    def chunk(text: str) -> list[str]:
        documents = splitter.split_documents(sections.split_text(text))
        return [document.page_content for document in documents]

    _chunk_files(paths, out, chunk)


def chonkie(paths: list[Path], root: Path, out: Path) -> None:
    """chonkie RecursiveChunker (default rules) with tiktoken's cl100k_base, 512 tokens."""
    from chonkie import RecursiveChunker

    # chonkie wraps a tiktoken Encoding itself; its type hints only name its own protocol.
    tokenizer: Any = _cl100k()
    chunker = RecursiveChunker(tokenizer=tokenizer, chunk_size=BUDGET_TOKENS)
    _chunk_files(paths, out, lambda text: [chunk.text for chunk in chunker.chunk(text)])


def semantic_text_splitter(paths: list[Path], root: Path, out: Path) -> None:
    """semantic-text-splitter MarkdownSplitter, 512 tokens of its own (Rust) tiktoken for
    gpt-3.5-turbo, which is cl100k_base."""
    from semantic_text_splitter import MarkdownSplitter

    splitter = MarkdownSplitter.from_tiktoken_model("gpt-3.5-turbo", BUDGET_TOKENS)
    _chunk_files(paths, out, splitter.chunks)


def semchunk(paths: list[Path], root: Path, out: Path) -> None:
    """semchunk.chunkerify with tiktoken's cl100k_base as the counter, 512 tokens."""
    from semchunk.semchunk import chunkerify

    chunker: Any = chunkerify(_cl100k(), BUDGET_TOKENS)
    _chunk_files(paths, out, chunker)


def floor_encode(paths: list[Path], root: Path, out: Path) -> None:
    """Floor: read every file and encode it with cl100k_base (encode_ordinary). No output."""
    encoding = _cl100k()
    tokens = sum(len(encoding.encode_ordinary(text)) for _, text in _texts(paths))
    out.write_text("")
    print(f"tokens: {tokens}", file=sys.stderr)


def _markdown_floor(paths: list[Path], out: Path, *, inline: bool) -> None:
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    if not inline:
        parser.disable("inline")
    count = sum(len(parser.parse(text)) for _, text in _texts(paths))
    out.write_text("")
    print(f"markdown-it tokens: {count}", file=sys.stderr)


def floor_markdown_full(paths: list[Path], root: Path, out: Path) -> None:
    """Floor: markdown-it-py parse (CommonMark, tables, strikethrough), block and inline."""
    _markdown_floor(paths, out, inline=True)


def floor_markdown_block(paths: list[Path], root: Path, out: Path) -> None:
    """Floor: the same parse with the inline rule off (block structure only)."""
    _markdown_floor(paths, out, inline=False)


def regex_script(paths: list[Path], root: Path, out: Path) -> None:
    """The script blog2jsonl replaced: glob the .md files, a regex for the title, a regex
    deleting ```-fenced code, then 2000-character slices. It ignores FILES on purpose.
    Its prompts name the file, as every row's here do (the script put the title there)."""
    with out.open("w", encoding="utf-8") as handle:
        for path in sorted(glob.glob(os.path.join(root, "**", "*.md"), recursive=True)):
            with open(path, encoding="utf-8", errors="replace") as post:
                text = post.read()
            match = re.search(r"^title:\s*(.+)$", text, re.MULTILINE)
            title = match.group(1).strip().strip("\"'") if match else Path(path).stem
            text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
            slices = [text[i : i + BUDGET_CHARS] for i in range(0, len(text), BUDGET_CHARS)]
            _write(handle, path, (piece for piece in slices if piece.strip()), title)


Peer = Callable[[list[Path], Path, Path], None]

PEERS: dict[str, Peer] = {
    "langchain-tokens": langchain_tokens,
    "langchain-markdown": langchain_markdown,
    "chonkie": chonkie,
    "semantic-text-splitter": semantic_text_splitter,
    "semchunk": semchunk,
    "floor-encode": floor_encode,
    "floor-markdown-full": floor_markdown_full,
    "floor-markdown-block": floor_markdown_block,
    "regex-script": regex_script,
}


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[0] not in PEERS:
        print(f"usage: peers.py {{{','.join(PEERS)}}} FILES ROOT OUT", file=sys.stderr)
        return 2
    name, files, root, out = argv
    paths = [Path(line) for line in Path(files).read_text(encoding="utf-8").splitlines()]
    try:
        PEERS[name](paths, Path(root), Path(out))
    except ImportError as error:
        print(f"not installed: {error}", file=sys.stderr)
        return NOT_INSTALLED
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
