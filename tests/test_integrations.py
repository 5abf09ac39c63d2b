"""The integrations shipped in the repository: the pre-commit hook and the GitHub Action.

Neither pre-commit nor GitHub runs here, so each file is read as its tool reads it and
the command it would run is run on a site, the way the tool would run it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def console_script() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    [(name, target)] = project["scripts"].items()
    assert target == "blog2jsonl.cli:run"
    return str(name)


def blog2jsonl_executable() -> str:
    found = shutil.which(console_script(), path=os.path.dirname(sys.executable))
    assert found, "the console script is installed beside this Python"
    return found


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "posts").mkdir(parents=True)
    for name in ("one", "two"):
        (root / "posts" / f"{name}.md").write_text(
            f"---\ntitle: Post {name}\n---\nThe {name} post says something of its own.\n",
            encoding="utf-8",
        )
    (root / "blog2jsonl.toml").write_text('output = "train.jsonl"\n', encoding="utf-8")
    return root


def test_pre_commit_hook_runs_the_bare_command(site: Path) -> None:
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "blog2jsonl" and hook["language"] == "python"
    assert hook["entry"] == console_script() and hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    for changed in ("content/post/a.md", "_posts/2020-01-01-x.markdown", "blog2jsonl.toml"):
        assert files.search(changed), changed
    assert not files.search("static/logo.png")

    # pre-commit runs the entry in the repository root, with no file names.
    entry = [blog2jsonl_executable(), *hook["entry"].split()[1:]]
    run = subprocess.run(entry, cwd=site, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert len((site / "train.jsonl").read_text(encoding="utf-8").splitlines()) == 2


def test_github_action_installs_this_package_and_runs_it_on_the_site(site: Path) -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    assert {"path", "args", "python-version"} <= set(action["inputs"])
    steps = action["runs"]["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")
    install, convert = steps[1], steps[2]
    assert install["run"] == 'python -m pip install "$GITHUB_ACTION_PATH"'
    assert convert["working-directory"] == "${{ inputs.path }}"

    # Run the convert step's script as the runner would, with the inputs substituted
    # (installing is what this test environment already did).
    bin_dir = os.path.dirname(blog2jsonl_executable())
    for args, output in (("", "train.jsonl"), ("-o other.jsonl --format text", "other.jsonl")):
        env = dict(os.environ, BLOG2JSONL_ARGS=args, PATH=bin_dir + os.pathsep + os.environ["PATH"])
        run = subprocess.run(
            ["bash", "-c", convert["run"]], cwd=site, env=env, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        assert (site / output).is_file()
    assert '"text"' in (site / "other.jsonl").read_text(encoding="utf-8")
