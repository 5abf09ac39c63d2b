"""A deterministic synthetic blog: English and Chinese posts with the Markdown people write.

``generate(folder, size_mb, seed)`` writes about ``size_mb`` megabytes (10**6 bytes) of
``.md`` posts: YAML or TOML front matter (a few posts have none and take their title from
an ``# H1``), headings, hard-wrapped and one-line paragraphs, paragraphs longer than a
512-token part, bullet and numbered lists, tables, block quotes, emoji (ZWJ sequences,
skin tones, flags), code fences of backticks and ``~~~`` (some holding template tags
such as ``{% raw %}`` and ``{{ page.title }}``, blank lines, or a shorter fence inside a
longer one) and Hexo ``{% codeblock %}`` tags. One post is a single line of several megabytes.

Everything comes from one seeded :class:`random.Random`, so a seed and a size always give
the same bytes. :func:`ensure` keeps a generated corpus in a cache folder (never in the
repository) and reuses it.

Run ``python benchmarks/synthetic.py --size-mb 21 DIR`` to write one by hand.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
from pathlib import Path

__all__ = ["CORPUS_VERSION", "cache_root", "ensure", "generate"]

#: Bump when the generator changes, so cached corpora are rebuilt.
CORPUS_VERSION = 1
MB = 1_000_000
#: The single-line post: a fifth of the corpus, at most 3 MB (multi-megabyte from 10 MB up).
HUGE_POST_SHARE = 5
HUGE_POST_MAX = 3 * MB
_COMPLETE = ".complete"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


EN_WORDS = _words(
    "the a an and or but so because while when after before if then than this that these "
    "those it its we our you your they their I my he she his her blog post page site build "
    "server client request response cache memory thread process file folder path line "
    "word token chunk part record model training data set version release update feature "
    "bug fix test tests run runs ran write wrote written read reads parse parser render "
    "template theme plugin config option default value string number list table heading "
    "code block fence quote link image note idea week year month day morning night time "
    "people friend team project user reader writer editor slow fast small large simple "
    "careful quiet strange useful broken working stable new old first last next every some "
    "many few more most less never always often again still already almost really quite "
    "deploy migrate measure profile benchmark compare explain learn remember forget decide "
    "keep move change start stop finish try need want like know think find make take give "
    "over under into onto from with without about around through between across during"
)

ZH_WORDS = _words(
    "我们 你们 他们 这个 那个 一个 博客 文章 时间 问题 代码 今天 昨天 明天 发现 因为 所以 "
    "但是 如果 已经 可以 需要 觉得 非常 简单 复杂 方法 数据 模型 训练 系统 用户 版本 服务器 "
    "配置 部署 主题 插件 迁移 静态 页面 标题 目录 文件 图片 链接 表格 列表 读者 作者 朋友 "
    "终于 开始 结束 继续 记录 分享 学习 工作 生活 周末 早上 晚上 城市 旅行 天气 咖啡 书 "
    "性能 内存 速度 测试 结果 原因 过程 经验 建议 总结 第一次 最后 其实 当然 也许 一直 "
    "慢慢 认真 清楚 重要 有趣 奇怪 方便 麻烦 顺利 的 了 在 是 和 也 都 就 还 又 很 把 被 给"
)

EMOJI = ("👩‍💻", "👨‍👩‍👧‍👦", "🏳️‍🌈", "👍🏽", "🇨🇳", "🇬🇧", "✨", "🚀", "☕", "🎉")
LANGS = ("js", "python", "go", "rust", "sh", "yaml", "html", "")
TEMPLATE_LINES = (
    "{% raw %}{{ page.title | escape }}{% endraw %}",
    "{{ site.baseurl }}/{{ post.url }}",
    "{% for post in site.posts %}<li>{{ post.title }}</li>{% endfor %}",
    "{% if page.comments %}{% include disqus.html %}{% endif %}",
    '{{< highlight go "linenos=table" >}}',
    "<%- partial('_partial/post', {post: page}) %>",
)
CODE_LINES = (
    "const server = http.createServer((req, res) => res.end('ok'));",
    "for (let i = 0; i < items.length; i++) { total += items[i].size; }",
    "def chunk(text: str, size: int) -> list[str]:",
    "    return [text[i : i + size] for i in range(0, len(text), size)]",
    'if err != nil { return fmt.Errorf("read %s: %w", path, err) }',
    "let parts: Vec<&str> = line.split(',').collect();",
    "npm install --save hexo-renderer-marked",
    'title: "Hello, world"  # 注释：不是正文',
    '<div class="post"><p>这段 HTML 在代码里。</p></div>',
    "SELECT id, title FROM posts WHERE draft = 0 ORDER BY date DESC;",
    "# a comment that looks like a heading",
    "- a line that looks like a list item",
    "| a | line | that | looks | like | a | table |",
)


def _sentence_en(rng: random.Random) -> str:
    words = [rng.choice(EN_WORDS) for _ in range(rng.randint(6, 22))]
    if rng.random() < 0.3:
        words.insert(rng.randrange(1, len(words)), rng.choice(EN_WORDS) + ",")
    if rng.random() < 0.12:
        words.insert(rng.randrange(len(words)), f"`{rng.choice(EN_WORDS)}()`")
    if rng.random() < 0.1:
        word = rng.choice(EN_WORDS)
        words.insert(rng.randrange(len(words)), f"[{word}](https://example.com/{word})")
    if rng.random() < 0.08:
        words.insert(rng.randrange(len(words)), f"**{rng.choice(EN_WORDS)}**")
    if rng.random() < 0.04:
        words.append(rng.choice(EMOJI))
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice(".....!?")


def _sentence_zh(rng: random.Random) -> str:
    clauses = []
    for _ in range(rng.randint(1, 4)):
        clauses.append("".join(rng.choice(ZH_WORDS) for _ in range(rng.randint(3, 10))))
    text = "，".join(clauses)
    if rng.random() < 0.1:
        text += f" `{rng.choice(EN_WORDS)}` "
    if rng.random() < 0.05:
        text += rng.choice(EMOJI)
    return text + rng.choice("。。。。！？")


def _sentences(rng: random.Random, lang: str, count: int) -> list[str]:
    out = []
    for _ in range(count):
        use_zh = lang == "zh" or (lang == "mixed" and rng.random() < 0.5)
        out.append(_sentence_zh(rng) if use_zh else _sentence_en(rng))
    return out


def _wrap(text: str, width: int) -> str:
    """Hard-wrap at spaces, as many editors save Markdown; CJK runs stay whole."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n".join(lines)


def _paragraph(rng: random.Random, lang: str, wrap: bool, long: bool = False) -> str:
    count = rng.randint(40, 90) if long else rng.randint(2, 8)
    sentences = _sentences(rng, lang, count)
    text = ("" if lang == "zh" else " ").join(sentences)
    return _wrap(text, 80) if wrap else text


def _heading(rng: random.Random, lang: str, level: int) -> str:
    if lang == "zh" or (lang == "mixed" and rng.random() < 0.5):
        title = "".join(rng.choice(ZH_WORDS) for _ in range(rng.randint(2, 5)))
    else:
        title = " ".join(rng.choice(EN_WORDS) for _ in range(rng.randint(2, 6))).capitalize()
    return "#" * level + " " + title


def _list(rng: random.Random, lang: str) -> str:
    numbered = rng.random() < 0.4
    items = []
    for index in range(1, rng.randint(3, 10) + 1):
        marker = f"{index}." if numbered else rng.choice("-*")
        items.append(f"{marker} {' '.join(_sentences(rng, lang, rng.randint(1, 2)))}")
        if rng.random() < 0.2:
            items.append(f"   - {_sentences(rng, lang, 1)[0]}")
    return "\n".join(items)


def _table(rng: random.Random, lang: str) -> str:
    columns = rng.randint(2, 5)
    header = [_heading(rng, lang, 1)[2:][:20] for _ in range(columns)]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * columns]
    for _ in range(rng.randint(2, 8)):
        cells = [
            str(rng.randint(0, 99999)) if rng.random() < 0.3 else _heading(rng, lang, 1)[2:]
            for _ in range(columns)
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _code(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(2, 30)):
        roll = rng.random()
        if roll < 0.12:
            lines.append("")  # blank lines inside a fence must not end it
        elif roll < 0.25:
            lines.append(rng.choice(TEMPLATE_LINES))
        else:
            lines.append(rng.choice(CODE_LINES))
    body = "\n".join(lines)
    kind = rng.random()
    if kind < 0.1:
        return "{% codeblock lang:js %}\n" + body + "\n{% endcodeblock %}"
    if kind < 0.2:
        return f"~~~{rng.choice(LANGS)}\n{body}\n~~~"
    if kind < 0.25:  # a shorter fence shown inside a longer one
        return f"````markdown\n```js\n{body}\n```\n````"
    return f"```{rng.choice(LANGS)}\n{body}\n```"


def _front_matter(rng: random.Random, title: str, index: int) -> str:
    date = f"20{10 + index % 14:02d}-{1 + index % 12:02d}-{1 + index % 28:02d}"
    tags = [rng.choice(EN_WORDS) for _ in range(rng.randint(1, 4))]
    roll = rng.random()
    if roll < 0.15:
        tag_list = ", ".join(f'"{tag}"' for tag in tags)
        return f'+++\ntitle = "{title}"\ndate = {date}\ntags = [{tag_list}]\n+++\n\n'
    if roll < 0.2:
        return ""  # no front matter: the title comes from the first # H1
    tag_lines = "".join(f"  - {tag}\n" for tag in tags)
    return f'---\ntitle: "{title}"\ndate: {date} 10:00:00\ntags:\n{tag_lines}---\n\n'


def _post(rng: random.Random, index: int, target: int) -> tuple[str, str]:
    """One post of about ``target`` bytes: (its title, its Markdown)."""
    lang = rng.choice(("en", "en", "zh", "mixed"))
    title = _heading(rng, lang, 1)[2:]
    wrap = rng.random() < 0.5
    front = _front_matter(rng, title, index)
    blocks = [] if front else [f"# {title}"]
    size = len(front)
    while size < target:
        roll = rng.random()
        if roll < 0.12:
            block = _heading(rng, lang, rng.choice((2, 2, 3, 4)))
        elif roll < 0.2:
            block = _list(rng, lang)
        elif roll < 0.25:
            block = _table(rng, lang)
        elif roll < 0.35:
            block = _code(rng)
        elif roll < 0.38:
            block = "> " + _paragraph(rng, lang, wrap=False)
        elif roll < 0.41:
            block = _paragraph(rng, lang, wrap, long=True)
        else:
            block = _paragraph(rng, lang, wrap)
        blocks.append(block)
        size += len(block.encode("utf-8")) + 2
    return title, front + "\n\n".join(blocks) + "\n"


def _huge_single_line(rng: random.Random, target: int) -> str:
    parts = ['---\ntitle: "One very long line"\ndate: 2024-02-29 10:00:00\n---\n\n']
    size = 0
    while size < target:
        sentence = _sentence_zh(rng) if rng.random() < 0.4 else _sentence_en(rng) + " "
        parts.append(sentence)
        size += len(sentence.encode("utf-8"))
    return "".join(parts) + "\n"


def generate(folder: Path, size_mb: float, seed: int = 0) -> list[Path]:
    """Write the synthetic corpus into ``folder`` (created) and return its files, sorted.

    The posts are spread over ``posts/<year>/`` folders; the single-line post is
    ``posts/huge-single-line.md``. Raises ``ValueError`` for a size under 0.1 MB.
    """
    if size_mb < 0.1:
        raise ValueError("size_mb must be at least 0.1")
    rng = random.Random(seed)
    total = int(size_mb * MB)
    huge = min(HUGE_POST_MAX, total // HUGE_POST_SHARE)
    root = folder / "posts"
    root.mkdir(parents=True, exist_ok=True)
    written = [root / "huge-single-line.md"]
    written[0].write_text(_huge_single_line(rng, huge), encoding="utf-8", newline="\n")
    size = written[0].stat().st_size
    index = 0
    while size < total:
        # Mostly short posts, some long ones, as on real blogs (median about 8 KB).
        target = min(int(rng.lognormvariate(9.0, 0.9)), 200_000, total - size)
        title, text = _post(rng, index, max(target, 300))
        slug = "-".join(title.lower().split()[:4]) if title.isascii() else "zh"
        path = root / f"{2010 + index % 14}" / f"{index:05d}-{slug}.md"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
        size += path.stat().st_size
        index += 1
    return sorted(written)


def cache_root() -> Path:
    """Where generated corpora are kept: ``$BLOG2JSONL_BENCH_CACHE``, else the user cache."""
    if explicit := os.environ.get("BLOG2JSONL_BENCH_CACHE"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "blog2jsonl-bench"


def ensure(size_mb: float, seed: int = 0, root: Path | None = None) -> Path:
    """The folder of the corpus for (size, seed), generated on first use and then reused."""
    folder = (root or cache_root()) / f"synthetic-v{CORPUS_VERSION}-{size_mb:g}mb-seed{seed}"
    if not (folder / _COMPLETE).exists():
        if folder.exists():
            shutil.rmtree(folder)  # a run interrupted while generating
        generate(folder, size_mb, seed)
        (folder / _COMPLETE).touch()
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folder", type=Path, help="where to write the posts (created)")
    parser.add_argument("--size-mb", type=float, default=21.0, help="corpus size [21]")
    parser.add_argument("--seed", type=int, default=0, help="random seed [0]")
    args = parser.parse_args(argv)
    files = generate(args.folder, args.size_mb, args.seed)
    size = sum(path.stat().st_size for path in files)
    print(f"{len(files)} posts, {size / MB:.1f} MB in {args.folder}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
