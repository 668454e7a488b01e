"""disk-usage: each worktree's size, its build outputs, the total."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import QTmux, git


def test_sizes_of_worktrees_and_their_build_outputs(qtmux: QTmux, repo: Path) -> None:
    (repo / ".gitignore").write_text("build/\n")
    git(repo, "add", ".gitignore")
    git(repo, "commit", "-q", "-m", "ignore build")
    qtmux.ok("new", "small", "--detach", cwd=repo)
    qtmux.ok("new", "big", "--detach", cwd=repo)
    build = repo.parent / "app.worktrees" / "big" / "build"
    build.mkdir()
    (build / "out.bin").write_bytes(b"\0" * 3_000_000)
    report = qtmux.ok("disk-usage", "--json", cwd=repo).json()
    sizes = {s["name"]: s for s in report["sessions"]}
    assert sizes["big"]["build_outputs"] >= 3_000_000
    assert sizes["small"]["build_outputs"] < 100_000
    assert sizes["big"]["total"] > sizes["big"]["build_outputs"]
    assert report["total"] == sizes["big"]["total"] + sizes["small"]["total"]
    text = qtmux.ok("disk-usage", cwd=repo).stdout
    assert "(build outputs 2.9 MiB)" in text
    assert text.splitlines()[-1].startswith("total")


def test_without_worktree_sessions(qtmux: QTmux, tmp_path: Path) -> None:
    assert qtmux.ok("disk-usage", cwd=tmp_path).stdout == "No session has a worktree of its own.\n"
