"""merge against hooks, signing, a user's rebase, and a kill between archiving and deleting."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.commands.test_merge import (
    assert_untouched,
    branch_exists,
    oid,
    session_with_commits,
    users_own_work,
)
from tests.conftest import QTmux, git, worktree


def hook(repo: Path, name: str, body: str) -> None:
    path = repo / ".git" / "hooks" / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


def test_a_refused_commit_leaves_the_session_index_as_it_was(qtmux: QTmux, repo: Path) -> None:
    work = session_with_commits(qtmux, repo, "hooked", {"h.txt": "h\n"})
    (work / "staged.txt").write_text("staged\n")
    git(work, "add", "staged.txt")
    (work / "h.txt").write_text("changed, not staged\n")
    (work / "new.txt").write_text("untracked\n")
    status = git(work, "status", "--porcelain")
    hook(repo, "pre-commit", "echo 'lint failed: fix h.txt' >&2\nexit 1\n")
    old, tip = oid(repo, "main"), oid(repo, "hooked")
    result = qtmux("merge", "hooked", "--yes", "--commit", cwd=repo)
    assert result.returncode == 1
    assert "lint failed: fix h.txt" in result.stderr
    assert ".." not in result.stderr
    assert git(work, "status", "--porcelain") == status
    assert oid(repo, "hooked") == tip
    assert oid(repo, "main") == old


REFUSE_MAIN = """[ "$1" = prepared ] || exit 0
while read -r old new ref; do
  if [ "$ref" = "refs/heads/{branch}" ]; then
    {gate}echo "{branch} is protected" >&2; exit 1
  fi
done
exit 0
"""


@pytest.mark.parametrize("when", ["always", "only-the-real-move"])
def test_a_hook_refusing_the_checked_out_base_leaves_its_worktree_unchanged(
    qtmux: QTmux, repo: Path, when: str
) -> None:
    session_with_commits(qtmux, repo, "guarded", {"g.txt": "g\n"})
    own = users_own_work(repo)
    status = git(repo, "status", "--porcelain")
    # "only-the-real-move" lets q-tmux's dry run through and refuses the real move,
    # so the files git writes before the ref must be put back.
    gate = (
        ""
        if when == "always"
        else f'[ -e "{repo}/.git/seen" ] || {{ touch "{repo}/.git/seen"; exit 0; }}\n    '
    )
    hook(repo, "reference-transaction", REFUSE_MAIN.format(branch="main", gate=gate))
    old = oid(repo, "main")
    result = qtmux("merge", "guarded", "--yes", cwd=repo)
    assert result.returncode == 1
    assert "main is protected" in result.stderr
    assert "nothing was changed" in result.stderr
    assert oid(repo, "main") == old
    assert not (repo / "g.txt").exists()
    assert_untouched(repo, own, status)
    assert branch_exists(repo, "guarded")


def test_a_hook_refusing_a_base_checked_out_nowhere_is_reported_as_such(
    qtmux: QTmux, repo: Path
) -> None:
    git(repo, "branch", "release")
    qtmux.ok("new", "fix", "--base", "release", "--detach", cwd=repo)
    work = worktree(repo, "fix")
    (work / "f.txt").write_text("f\n")
    git(work, "add", "f.txt")
    git(work, "commit", "-q", "-m", "fix")
    hook(repo, "reference-transaction", REFUSE_MAIN.format(branch="release", gate=""))
    old = oid(repo, "release")
    result = qtmux("merge", "fix", "--yes", cwd=repo)
    assert result.returncode == 1
    assert "moved while merging" not in result.stderr
    assert "git refused to move release (release is protected); nothing was changed." in (
        result.stderr
    )
    assert oid(repo, "release") == old


@pytest.mark.parametrize("operation", ["rebase", "bisect"])
def test_a_base_the_user_is_rebasing_or_bisecting_is_not_moved(
    qtmux: QTmux, repo: Path, operation: str
) -> None:
    session_with_commits(qtmux, repo, "busy", {"b.txt": "b\n"})
    (repo / "README.md").write_text("mine\n")
    git(repo, "commit", "-q", "-am", "main: mine")
    if operation == "rebase":
        git(repo, "branch", "other", "HEAD~1")
        git(repo, "switch", "-q", "other")
        (repo / "README.md").write_text("theirs\n")
        git(repo, "commit", "-q", "-am", "other: theirs")
        git(repo, "switch", "-q", "main")
        failed = subprocess.run(
            ["git", "-C", str(repo), "rebase", "-q", "other"], capture_output=True, check=False
        ).returncode
        assert failed != 0  # stopped on the conflict: main's worktree is detached now
    else:
        for n in range(3):
            (repo / f"n{n}.txt").write_text(f"{n}\n")
            git(repo, "add", f"n{n}.txt")
            git(repo, "commit", "-q", "-m", f"main: {n}")
        git(repo, "bisect", "start")
        git(repo, "bisect", "bad")
        git(repo, "bisect", "good", "HEAD~4")  # checks out a commit between: detached
    old = oid(repo, "main")
    result = qtmux("merge", "busy", "--yes", cwd=repo)
    assert result.returncode == 1
    verb = "rebased" if operation == "rebase" else "bisected"
    assert f"main is being {verb} in {repo}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert oid(repo, "main") == old
    assert branch_exists(repo, "busy")


FAKE_GPG = """#!/bin/sh
echo "$@" >> "{log}"
cat > /dev/null
if [ -e "{fail}" ]; then echo "gpg: signing failed: No secret key" >&2; exit 2; fi
echo "[GNUPG:] SIG_CREATED D 1 8 00 1234 ABCD" >&2
printf -- '-----BEGIN PGP SIGNATURE-----\\n\\nZmFrZQ==\\n-----END PGP SIGNATURE-----\\n'
"""


@pytest.mark.parametrize("mode", ["merge", "squash", "rebase"])
@pytest.mark.parametrize("gpg_works", [True, False])
def test_merge_commits_are_signed_when_commit_gpgsign_is_on(
    qtmux: QTmux, repo: Path, tmp_path: Path, mode: str, gpg_works: bool
) -> None:
    session_with_commits(qtmux, repo, "signed", {"s.txt": "s\n"})
    (repo / "m.txt").write_text("main moved\n")  # so --rebase must write new commits
    git(repo, "add", "m.txt")
    git(repo, "commit", "-q", "-m", "main moves")
    log, fail = tmp_path / "gpg.log", tmp_path / "gpg-fails"
    program = tmp_path / "fake-gpg"
    program.write_text(FAKE_GPG.format(log=log, fail=fail))
    program.chmod(0o755)
    git(repo, "config", "gpg.program", str(program))
    git(repo, "config", "commit.gpgsign", "true")
    git(repo, "config", "user.signingkey", "KEY123")
    if not gpg_works:
        fail.touch()
    old = oid(repo, "main")
    flags = {"merge": [], "squash": ["--squash"], "rebase": ["--rebase"]}[mode]
    result = qtmux("merge", "signed", "--yes", *flags, cwd=repo)
    if gpg_works:
        assert result.returncode == 0, result.stderr
        assert "gpgsig -----BEGIN PGP SIGNATURE-----" in git(repo, "cat-file", "-p", "main")
        assert "-bsau KEY123" in log.read_text()
    else:
        assert result.returncode == 1, result.stderr
        assert "conflict" not in result.stderr, result.stderr
        assert "gpg" in result.stderr
        assert "nothing was changed" in result.stderr or "commit.gpgsign is on" in result.stderr
        assert not result.stderr.rstrip().endswith("..")
        assert oid(repo, "main") == old
        assert branch_exists(repo, "signed")


def test_a_merge_killed_between_archiving_and_deleting_keeps_one_archive_ref(
    qtmux: QTmux, repo: Path
) -> None:
    session_with_commits(qtmux, repo, "arch", {"a.txt": "a\n"})
    tip = oid(repo, "arch")
    killed = qtmux(
        "merge",
        "arch",
        "--yes",
        "--squash",
        cwd=repo,
        env={"Q_TMUX_TEST_KILL_AFTER": "branch-archived"},
    )
    assert killed.returncode == -9
    assert branch_exists(repo, "arch")
    qtmux.ok("merge", "arch", "--yes", "--squash", cwd=repo)
    assert not branch_exists(repo, "arch")
    refs = git(repo, "for-each-ref", "--format=%(objectname)", "refs/q-tmux/archive/").split()
    assert refs == [tip]


def test_sync_under_merge_ff_only_says_what_happened(qtmux: QTmux, repo: Path) -> None:
    work = session_with_commits(qtmux, repo, "ff", {"f.txt": "f\n"})
    (repo / "m.txt").write_text("m\n")
    git(repo, "add", "m.txt")
    git(repo, "commit", "-q", "-m", "main moves")
    git(repo, "config", "merge.ff", "only")
    tip = oid(repo, "ff")
    result = qtmux("sync", "ff", cwd=repo)
    assert result.returncode == 1
    assert ".;" not in result.stderr
    assert "merge.ff=only allows only fast-forwards" in result.stderr
    assert "q-tmux sync --rebase" in result.stderr
    assert oid(repo, "ff") == tip
    assert git(work, "status", "--porcelain") == ""


def test_no_message_ends_in_two_full_stops(qtmux: QTmux, repo: Path) -> None:
    work = session_with_commits(qtmux, repo, "broken", {"b.txt": "b\n"})
    (work / ".amazonq" / "session.json").write_text("{ truncated")
    result = qtmux("merge", "broken", "--yes", cwd=repo)
    assert result.returncode != 0
    assert "not valid JSON" in result.stderr
    assert not result.stderr.rstrip().endswith("..")


def test_a_rebase_of_the_base_started_after_the_preview_still_stops_the_move(
    qtmux: QTmux, repo: Path
) -> None:
    from q_tmux.adapters.git import CommitOid, History, Repo, require_git
    from q_tmux.merge.engine import MergeRefused, build_preview, move_base
    from q_tmux.store.session_file import read_session_file

    work = session_with_commits(qtmux, repo, "late", {"l.txt": "l\n"})
    history = History(Repo.discover(repo), require_git())
    record = read_session_file(work / ".amazonq/session.json")
    preview = build_preview(record, record.worktree_info, history, [])
    # The user starts rebasing main now: it stops, main's worktree is detached.
    git(repo, "branch", "other")
    (repo / "README.md").write_text("mine\n")
    git(repo, "commit", "-q", "-am", "main: mine")
    git(repo, "switch", "-q", "other")
    (repo / "README.md").write_text("theirs\n")
    git(repo, "commit", "-q", "-am", "other: theirs")
    git(repo, "switch", "-q", "main")
    assert (
        subprocess.run(
            ["git", "-C", str(repo), "rebase", "-q", "other"], capture_output=True, check=False
        ).returncode
        != 0
    )
    before = oid(repo, "main")
    with pytest.raises(MergeRefused, match=r"main is being rebased in .*finish that first"):
        move_base(preview, CommitOid(oid(repo, "late")), history.repo)
    assert oid(repo, "main") == before
