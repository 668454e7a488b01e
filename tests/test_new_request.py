"""``q-tmux new``'s decisions without tmux: naming, flags, and allowing a repository's setup."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from q_tmux.errors import UsageError
from q_tmux.sessions.request import NewArgs, _allow_setup, setup_lines, start_new, wanted_name


@pytest.mark.parametrize(
    ("name", "message", "expected"),
    [
        (None, "fix the parser", (None, "fix the parser", True)),
        ("auto", "fix the parser", (None, "fix the parser", True)),
        (
            "Fix the parser crash on empty input",
            None,
            (None, "Fix the parser crash on empty input", True),
        ),
        ("feat", None, ("feat", None, False)),
        ("feat", "Fix the parser crash", ("feat", "Fix the parser crash", False)),
        (None, None, (None, None, True)),
    ],
)
def test_wanted_name(
    name: str | None, message: str | None, expected: tuple[str | None, str | None, bool]
) -> None:
    assert wanted_name(name, message) == expected


def no_tmux() -> None:
    raise AssertionError("tmux was reached")


def test_worktree_and_no_worktree_are_refused_before_anything_is_touched(tmp_path: Path) -> None:
    args = NewArgs("feat", None, worktree="", no_worktree=True)
    with pytest.raises(UsageError, match="one of --worktree and --no-worktree"):
        start_new(args, tmp_path, no_tmux, person=None, note=print, report=print)  # type: ignore[arg-type]


class Answers:
    """A person who answers every question with ``yes`` and records what they were shown."""

    def __init__(self, yes: bool) -> None:
        self.yes = yes
        self.shown: list[str] = []

    def confirm(self, question: str, *, default: bool) -> bool:
        self.shown.append(question)
        return self.yes

    def choose_name(self, suggestion: str, taken: Callable[[str], bool]) -> str:
        return suggestion

    def show(self, line: str) -> None:
        self.shown.append(line)


@pytest.fixture
def repo_with_setup(isolated_env: Path, tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".q-tmux.toml").write_text('[setup]\nrun = ["make deps"]\nenv = { PORT = "3001" }\n')
    return root


def test_setup_nobody_allowed_is_refused_without_a_person(repo_with_setup: Path) -> None:
    with pytest.raises(UsageError, match="pass --trust-setup"):
        _allow_setup(repo_with_setup, trust_setup=False, person=None)


def test_setup_is_shown_and_refused_when_the_person_says_no(repo_with_setup: Path) -> None:
    person = Answers(yes=False)
    with pytest.raises(UsageError, match="its setup was not allowed"):
        _allow_setup(repo_with_setup, trust_setup=False, person=person)
    assert "  run: make deps" in person.shown
    assert "  env: PORT=3001" in person.shown


def test_setup_allowed_once_is_not_asked_again(repo_with_setup: Path) -> None:
    _allow_setup(repo_with_setup, trust_setup=False, person=Answers(yes=True))
    _allow_setup(repo_with_setup, trust_setup=False, person=None)  # trusted now: no error
    (repo_with_setup / ".q-tmux.toml").write_text('[setup]\nrun = ["make all"]\n')
    with pytest.raises(UsageError):  # changed: asked again
        _allow_setup(repo_with_setup, trust_setup=False, person=None)


def test_setup_lines() -> None:
    lines = setup_lines(Path("/r/.q-tmux.toml"), {"run": ["a", "b"], "env": {"K": "v"}})
    assert lines == [
        "/r/.q-tmux.toml asks, for every new worktree:",
        "  run: a",
        "  run: b",
        "  env: K=v",
    ]
