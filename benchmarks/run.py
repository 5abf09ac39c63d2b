"""Benchmark blog2jsonl against its peers and floors: ``python benchmarks/run.py``.

Every row runs in a fresh subprocess (blog2jsonl as its command line; each peer, floor and
the old regex script through ``benchmarks/peers.py``), timed from spawn to exit, with its
peak RSS (see ``measure.py``). Each row's chunks are then judged by ``quality.py``. The
Markdown report goes to stdout and to ``benchmarks/results.md`` (``results-quick.md``
with ``--quick``); progress goes to stderr. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import filecmp
import hashlib
import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import measure
import synthetic
from peers import BUDGET_CHARS, BUDGET_TOKENS, NOT_INSTALLED
from quality import SourceOf, Unit, prompt_source
from quality import measure as measure_quality
from report import CEILING_LABEL, MB, Corpus, RowResult, RowSpec, corpus_section, machine_lines

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
NODEJS = REPO.parent / "shared" / "corpora" / "nodejs-blog"
EXTENSIONS = (".md", ".markdown", ".mkdn")
BLOB = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"
TOKENS = ("--max-tokens", str(BUDGET_TOKENS), "--encoding", "cl100k_base")
CHUNKERS = {
    "chars": ("--chunker", "chars", "--max-chars", str(BUDGET_CHARS)),
    "tokens": ("--chunker", "tokens", *TOKENS),
    "headings": ("--chunker", "headings", *TOKENS),
}
RSS_METHOD = (
    "the larger of os.wait4()'s ru_maxrss for the row's process (exact, largest single "
    "process) and the summed PSS of its process tree sampled every 50 ms with psutil "
    "(in each row's first run only: the sampling costs CPU time, so later runs time "
    "the row without it)"
)


#: Two `tokens -j 1` runs at once, each writing its own output: what two processes get
#: out of this machine's two cores when they share nothing (the ceiling for -j 2).
CEILING = RowSpec(CEILING_LABEL, "ceiling", None, 0, CHUNKERS["tokens"], 1)


def _blog2jsonl_rows() -> list[RowSpec]:
    rows = []
    for name, args in CHUNKERS.items():
        unit: Unit = "chars" if name == "chars" else "tokens"
        budget = BUDGET_CHARS if name == "chars" else BUDGET_TOKENS
        for jobs in (1, 2):
            rows.append(
                RowSpec(f"blog2jsonl {name} -j {jobs}", "blog2jsonl", unit, budget, args, jobs)
            )
    return rows


PEER_ROWS = [
    RowSpec(
        "langchain TokenTextSplitter",
        "peer",
        "tokens",
        BUDGET_TOKENS,
        peer="langchain-tokens",
        modules=("langchain_text_splitters", "tiktoken"),
    ),
    RowSpec(
        "langchain MarkdownHeader → RecursiveCharacter",
        "peer",
        "tokens",
        BUDGET_TOKENS,
        peer="langchain-markdown",
        modules=("langchain_text_splitters", "tiktoken"),
    ),
    RowSpec(
        "chonkie RecursiveChunker",
        "peer",
        "tokens",
        BUDGET_TOKENS,
        peer="chonkie",
        modules=("chonkie", "tiktoken"),
    ),
    RowSpec(
        "semantic-text-splitter MarkdownSplitter",
        "peer",
        "tokens",
        BUDGET_TOKENS,
        peer="semantic-text-splitter",
        modules=("semantic_text_splitter",),
    ),
    RowSpec(
        "semchunk",
        "peer",
        "tokens",
        BUDGET_TOKENS,
        peer="semchunk",
        modules=("semchunk", "tiktoken"),
    ),
]
BASELINE_ROWS = [
    RowSpec(
        "old regex script (2000-char slices)",
        "baseline",
        "chars",
        BUDGET_CHARS,
        peer="regex-script",
    )
]
FLOOR_ROWS = [
    RowSpec(
        "floor: read + tiktoken encode",
        "floor",
        None,
        0,
        peer="floor-encode",
        modules=("tiktoken",),
    ),
    RowSpec("floor: markdown-it-py full parse", "floor", None, 0, peer="floor-markdown-full"),
    RowSpec("floor: markdown-it-py block only", "floor", None, 0, peer="floor-markdown-block"),
]


def _cli() -> list[str]:
    beside = Path(sys.executable).parent / "blog2jsonl"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("blog2jsonl")
    return [found] if found else [sys.executable, "-m", "blog2jsonl"]


def _package() -> Path:
    spec = importlib.util.find_spec("blog2jsonl")  # located, not imported
    if spec is None or spec.origin is None:
        raise SystemExit("blog2jsonl is not installed: pip install -e '.[bench]'")
    return Path(spec.origin).parent


def _compile_bytecode() -> None:
    """Compile the package's bytecode, as installing a wheel does: from an editable
    install, or with PYTHONDONTWRITEBYTECODE set, every run would otherwise compile the
    package from source at start (~0.08 s), which is not what users run."""
    compileall.compile_dir(_package(), quiet=1)


def _tiktoken_cache(folder: Path) -> None:
    """Put the bundled encodings where tiktoken looks before downloading: a file named
    by the SHA-1 of the blob URL in ``TIKTOKEN_CACHE_DIR``."""
    encodings = _package() / "encodings"
    for name in ("cl100k_base", "o200k_base"):
        key = hashlib.sha1(BLOB.format(name).encode()).hexdigest()
        shutil.copyfile(encodings / f"{name}.tiktoken", folder / key)


def _posts(root: Path) -> tuple[Path, ...]:
    return tuple(
        sorted(path for path in root.rglob("*") if path.suffix in EXTENSIONS and path.is_file())
    )


def _corpus(name: str, root: Path, *, large: bool = False) -> Corpus:
    files = _posts(root)
    return Corpus(name, root, files, sum(path.stat().st_size for path in files), large)


def _describe(corpus: Corpus) -> str:
    return f"{len(corpus.files):,} posts, {corpus.size / MB:.1f} MB, in `{corpus.root}`."


class Runner:
    """Runs rows over one corpus at a time, keeping their outputs in a work folder."""

    def __init__(self, work: Path, env: dict[str, str], repeat: int, timeout: float) -> None:
        self.work = work
        self.env = env
        self.repeat = repeat
        self.timeout = timeout
        self.cli = _cli()
        help_text = subprocess.run(
            [*self.cli, "--help"], capture_output=True, text=True, env=env, check=False
        ).stdout
        self.has_jobs = "--jobs" in help_text
        import tiktoken

        self._encoding = tiktoken.get_encoding("cl100k_base")

    def _count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [
            len(tokens)
            for tokens in self._encoding.encode_ordinary_batch(list(texts), num_threads=2)
        ]

    def _argv(self, spec: RowSpec, corpus: Corpus, out: Path, files: Path) -> list[str] | str:
        if spec.kind == "ceiling":
            one = self._argv(replace(spec, kind="blog2jsonl"), corpus, out, files)
            two = self._argv(replace(spec, kind="blog2jsonl"), corpus, out.with_suffix(".2"), files)
            if isinstance(one, str) or isinstance(two, str):
                return "n/a"
            return ["sh", "-c", f"{shlex.join(one)} & {shlex.join(two)} & wait"]
        if spec.kind == "blog2jsonl":
            argv = [
                *self.cli,
                str(corpus.root),
                "-o",
                str(out),
                "--site",
                "plain",
                "-q",
                *spec.chunker_args,
            ]
            if self.has_jobs:
                return [*argv, "-j", str(spec.jobs)]
            return "n/a (no --jobs)" if spec.jobs and spec.jobs > 1 else argv
        missing = [module for module in spec.modules if importlib.util.find_spec(module) is None]
        if missing:
            return "not installed"
        assert spec.peer is not None
        return [
            sys.executable,
            str(HERE / "peers.py"),
            spec.peer,
            str(files),
            str(corpus.root),
            str(out),
        ]

    def row(
        self, spec: RowSpec, corpus: Corpus, files: Path, result: RowResult | None = None
    ) -> RowResult:
        """Run ``spec`` once more, keeping the fastest time and the highest peak of
        ``result`` (the earlier runs) and this one; the quality is read on the first run.

        Only the first run samples the memory of the row's process tree: the sampling
        costs CPU time that a multi-process row (-j 2, the ceiling) would pay in its wall
        time, so with ``--repeat`` above 1 its best time comes from an unsampled run."""
        slug = "".join(c if c.isalnum() else "-" for c in spec.label).strip("-")
        out = self.work / f"{slug}.jsonl"
        argv = self._argv(spec, corpus, out, files)
        if isinstance(argv, str):
            return RowResult(spec, note=argv)
        if result is not None and result.note is not None:
            return result  # failed, timed out or not installed: once is enough
        first = result is None
        result = result or RowResult(spec, output=out)
        run = measure.run(argv, env=self.env, timeout=self.timeout, sample=first)
        if run.timed_out:
            return RowResult(spec, note=f"timeout ({self.timeout:.0f} s)")
        if spec.kind != "blog2jsonl" and run.returncode == NOT_INSTALLED:
            return RowResult(spec, note="not installed")
        if run.returncode not in (0, 1) or (spec.kind != "blog2jsonl" and run.returncode):
            tail = run.stderr.strip().splitlines()[-3:]
            print(
                f"  {spec.label} failed: {shlex.join(argv)}\n  " + "\n  ".join(tail),
                file=sys.stderr,
            )
            return RowResult(spec, note=f"failed (exit {run.returncode})")
        if run.returncode == 1 and not result.warnings:
            result.warnings.append(
                "exit 1 (some posts failed): " + " / ".join(run.stderr.splitlines()[:2])
            )
        result.wall = min(result.wall or run.wall, run.wall)
        result.peak_rss = max(result.peak_rss or 0, run.peak_rss)
        if spec.unit is not None and result.quality is None:
            source_of: SourceOf | None = prompt_source
            if spec.kind == "blog2jsonl":
                source_of = self._sources(argv, corpus, out)
            result.quality = measure_quality(
                out, spec.unit, spec.budget, self._count_tokens, source_of
            )
            result.records = result.quality.records
        return result

    def _sources(self, argv: Sequence[str], corpus: Corpus, out: Path) -> SourceOf | None:
        """Each record's source file, for the quality pass: the row is run once more,
        untimed, with a metadata sidecar (``None`` if its lines differ from ``out``'s)."""
        again, sidecar = out.with_suffix(".again"), out.with_suffix(".meta")
        argv = [*argv[: argv.index("-o") + 1], str(again), *argv[argv.index("-o") + 2 :]]
        try:
            subprocess.run(
                [*argv, "--metadata-file", str(sidecar)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=self.env,
                check=False,
            )
            if not again.exists() or not filecmp.cmp(again, out, shallow=False):
                print(f"  {out.name}: no sources for the quality pass", file=sys.stderr)
                return None
            with sidecar.open(encoding="utf-8") as lines:
                names = [json.loads(line)["source"] for line in lines]
        finally:
            again.unlink(missing_ok=True)
            sidecar.unlink(missing_ok=True)
        return lambda index, prompt: corpus.root / names[index] if index < len(names) else None

    def corpus(
        self, corpus: Corpus, specs: Sequence[RowSpec]
    ) -> tuple[list[RowResult], dict[str, bool | None]]:
        """Run every row over ``corpus``; also compare each chunker's -j 1 and -j 2 output."""
        files = self.work / "files.txt"
        files.write_text("".join(f"{path}\n" for path in corpus.files), encoding="utf-8")
        # Round by round rather than row by row: on a shared machine whose speed drifts
        # over minutes, a slow spell then costs every row one run, not one row all of its.
        rows: list[RowResult | None] = [None] * len(specs)
        for round_ in range(1, self.repeat + 1):
            for index, spec in enumerate(specs):
                print(f"[{corpus.name}] {spec.label} ({round_}) ...", file=sys.stderr, flush=True)
                row = rows[index] = self.row(spec, corpus, files, rows[index])
                shown = row.note or f"{row.wall:.2f} s, {(row.peak_rss or 0) / MB:.0f} MB"
                print(f"[{corpus.name}] {spec.label}: {shown}", file=sys.stderr, flush=True)
        done = [row for row in rows if row is not None]
        identical: dict[str, bool | None] = {}
        for name in CHUNKERS:
            one = _output(done, f"blog2jsonl {name} -j 1")
            two = _output(done, f"blog2jsonl {name} -j 2")
            identical[name] = filecmp.cmp(one, two, shallow=False) if one and two else None
        for row in done:
            if row.output is not None:
                row.output.unlink(missing_ok=True)
                row.output.with_suffix(".2").unlink(missing_ok=True)  # the ceiling's second
        return done, identical


def _output(rows: Sequence[RowResult], label: str) -> Path | None:
    for row in rows:
        if row.spec.label == label and row.note is None and row.output and row.output.exists():
            return row.output
    return None


def _cold_start(cli: list[str], env: dict[str, str]) -> float | None:
    times = [measure.run([*cli, "--version"], env=env) for _ in range(5)]
    good = [run.wall for run in times if run.returncode == 0]
    return min(good) if good else None


def _start(cli: list[str], env: dict[str, str], work: Path, jobs: bool) -> float | None:
    """A tokens run's fixed cost: the best of 5 one-process runs over one short post."""
    folder = work / "start"
    folder.mkdir()
    (folder / "post.md").write_text("---\ntitle: Start\n---\n\nOne short paragraph.\n")
    out = work / "start.jsonl"
    args = [*cli, str(folder), "-o", str(out), "--site", "plain", "-q", *CHUNKERS["tokens"]]
    if jobs:
        args += ["-j", "1"]
    times = [measure.run(args, env=env, sample=False) for _ in range(5)]
    good = [run.wall for run in times if run.returncode == 0]
    return min(good) if good else None


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark blog2jsonl against its peers and floors."
    )
    parser.add_argument(
        "--corpus",
        choices=("nodejs", "synthetic", "both"),
        default=None,
        help="which corpora [both; synthetic with --quick]",
    )
    parser.add_argument(
        "--size-mb",
        type=float,
        default=None,
        help="synthetic corpus size in MB of 10**6 bytes [21; 2 with --quick]",
    )
    parser.add_argument("--seed", type=int, default=0, help="synthetic corpus seed [0]")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: small synthetic corpus, blog2jsonl rows and floors only",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per row; the fastest counts [1]"
    )
    parser.add_argument(
        "--timeout", type=float, default=1800.0, help="seconds per run before it is stopped [1800]"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="where to write the report [benchmarks/results.md; results-quick.md with --quick]",
    )
    parser.add_argument("--nodejs", type=Path, default=NODEJS, help="the nodejs-blog corpus folder")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="where synthetic corpora are kept "
        "[$BLOG2JSONL_BENCH_CACHE or ~/.cache/blog2jsonl-bench]",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    which = args.corpus or ("synthetic" if args.quick else "both")
    size_mb = args.size_mb if args.size_mb is not None else (2.0 if args.quick else 21.0)
    output = args.output or HERE / ("results-quick.md" if args.quick else "results.md")
    specs = [
        *_blog2jsonl_rows(),
        CEILING,
        *([] if args.quick else PEER_ROWS + BASELINE_ROWS),
        *FLOOR_ROWS,
    ]

    command = "python benchmarks/run.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    started = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["# blog2jsonl benchmark", "", f"`{command.strip()}`, {started}.", ""]
    skipped: list[str] = []
    with tempfile.TemporaryDirectory(prefix="blog2jsonl-bench-") as temp:
        work = Path(temp)
        (work / "tiktoken").mkdir()
        _tiktoken_cache(work / "tiktoken")
        _compile_bytecode()
        env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(work / "tiktoken")}
        os.environ["TIKTOKEN_CACHE_DIR"] = env["TIKTOKEN_CACHE_DIR"]  # for quality's counts
        runner = Runner(work, env, max(1, args.repeat), args.timeout)
        if not runner.has_jobs:
            print("blog2jsonl has no --jobs yet: -j 2 rows say n/a", file=sys.stderr)
        cold = _cold_start(runner.cli, env)
        start = _start(runner.cli, env, work, runner.has_jobs)

        corpora: list[Callable[[], Corpus | None]] = []
        if which in ("nodejs", "both"):

            def nodejs() -> Corpus | None:
                if not args.nodejs.is_dir():
                    skipped.append(f"nodejs-blog skipped: `{args.nodejs}` is missing.")
                    print(skipped[-1], file=sys.stderr)
                    return None
                return _corpus("nodejs-blog", args.nodejs.resolve())

            corpora.append(nodejs)
        if which in ("synthetic", "both"):

            def synthetic_corpus() -> Corpus:
                print(f"synthetic corpus: {size_mb:g} MB, seed {args.seed} ...", file=sys.stderr)
                folder = synthetic.ensure(size_mb, args.seed, args.cache_dir)
                name = f"synthetic {size_mb:g} MB (seed {args.seed})"
                return _corpus(name, folder, large=True)

            corpora.append(synthetic_corpus)

        sections: list[str] = []
        for make in corpora:
            corpus = make()
            if corpus is None:
                continue
            rows, identical = runner.corpus(corpus, specs)
            sections += corpus_section(corpus, rows, identical, cold, _describe, start)

    lines += ["## Machine", "", *machine_lines(REPO, cold, RSS_METHOD), ""]
    lines += [*(f"{note}\n" for note in skipped), *sections]
    report = "\n".join(lines).rstrip() + "\n"
    sys.stdout.write(report)
    output.write_text(report, encoding="utf-8")
    print(f"written to {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
