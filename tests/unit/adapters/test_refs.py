"""Branch tips read from the ref files: a commit only when the files say it plainly.

``refs.read_branch`` (``list``, ``conflicts``), the watcher's ``stamps.Tips`` and
``git.head_commit_from_files`` (the carry) read them the same way; anything the
files do not say plainly is None, and the caller asks git or shows it unknown.
"""

from __future__ import annotations

from pathlib import Path

from q_tmux.adapters import refs
from q_tmux.adapters.git import _worktree_git_dir, head_commit_from_files
from q_tmux.tracking import stamps
from tests.conftest import git, make_repo


def _read_both(common: str, branch: str) -> str | None:
    """``read_branch``'s answer, checked against a fresh ``Tips``'s first and second look."""
    answer = refs.read_branch(common, branch)
    tips = stamps.Tips()
    assert tips.read(common, branch) == answer
    assert tips.read(common, branch) == answer
    return answer


def test_loose_and_packed_branches_are_read(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "app")
    common = str(root / ".git")
    head = git(root, "rev-parse", "HEAD").strip()
    assert _read_both(common, "main") == head
    git(root, "pack-refs", "--all")
    assert not (root / ".git" / "refs" / "heads" / "main").exists()
    assert _read_both(common, "main") == head
    assert _read_both(common, "missing") is None


def test_a_loose_file_that_is_not_an_object_name_wins_over_a_stale_packed_line(
    tmp_path: Path,
) -> None:
    root = make_repo(tmp_path / "app")
    common = str(root / ".git")
    git(root, "branch", "alias")
    git(root, "pack-refs", "--all")  # alias's packed line now names main's commit
    git(root, "symbolic-ref", "refs/heads/alias", "refs/heads/main")
    assert _read_both(common, "alias") is None
    (root / ".git" / "refs" / "heads" / "alias").write_text("not a commit\n")
    assert _read_both(common, "alias") is None
    (root / ".git" / "refs" / "heads" / "alias").write_text("ABCDEF" * 6 + "abcd\n")  # upper case
    assert _read_both(common, "alias") is None


def test_a_packed_branch_naming_an_annotated_tag_is_not_a_commit(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "app")
    common = str(root / ".git")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "tag", "-a", "-m", "v1", "v1")
    tag_object = git(root, "rev-parse", "v1").strip()
    git(root, "pack-refs", "--all")
    packed = root / ".git" / "packed-refs"
    assert f"{tag_object} refs/tags/v1\n^" in packed.read_text()  # git peels it on the next line
    # git refuses to point a branch at a tag object, but a hand-edited file can.
    peeled = packed.read_text().split("refs/tags/v1\n")[1].splitlines()[0]
    packed.write_text(packed.read_text() + f"{tag_object} refs/heads/odd\n{peeled}\n")
    assert _read_both(common, "odd") is None
    assert _read_both(common, "main") == git(root, "rev-parse", "main").strip()


def test_a_reftable_repository_is_left_to_git(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "app")
    common = str(root / ".git")
    git(root, "pack-refs", "--all")
    (root / ".git" / "reftable").mkdir()  # as git 2.45+ keeps it; packed-refs is then stale
    assert _read_both(common, "main") is None


def test_head_commit_from_files_reads_the_branch_as_the_others_do(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "app")
    git(root, "branch", "alias")
    git(root, "pack-refs", "--all")
    git(root, "symbolic-ref", "refs/heads/alias", "refs/heads/main")
    git(root, "checkout", "-q", "alias")
    git_dir = _worktree_git_dir(root, root / ".git")
    assert git_dir is not None
    # A symbolic branch (its packed line is stale): git is asked.
    assert head_commit_from_files(git_dir, root / ".git") is None
    git(root, "checkout", "-q", "main")
    assert head_commit_from_files(git_dir, root / ".git") == git(root, "rev-parse", "HEAD").strip()
