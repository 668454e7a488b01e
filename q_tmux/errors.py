"""The exceptions q-tmux raises on purpose.

Every one carries a single sentence meant for the user; the CLI prints it
after ``q-tmux:`` and exits with :attr:`QTmuxError.exit_code`. Anything that
is not a :class:`QTmuxError` is a bug.
"""

from __future__ import annotations


class QTmuxError(Exception):
    """Base class: a problem the user can act on, told in one sentence."""

    exit_code = 1


class UsageError(QTmuxError):
    """The command line asked for something that cannot be done as asked."""

    exit_code = 2


class InvalidNameError(UsageError):
    """A session name that would be unsafe as a branch, path or tmux name."""


class NameInUseError(QTmuxError):
    """A session name already used by a branch, a path or another session."""


class ConfigError(QTmuxError):
    """A configuration file that cannot be read or does not validate."""


class ToolMissingError(QTmuxError):
    """git or tmux is missing, or older than q-tmux needs."""


class GitError(QTmuxError):
    """git refused or failed; the message says what q-tmux was doing."""


class NotARepositoryError(GitError):
    """The directory is not inside a git work tree."""


class TmuxError(QTmuxError):
    """tmux refused or failed."""


class AgentNotFoundError(QTmuxError):
    """The agent command is not on PATH."""


class SessionNotFoundError(QTmuxError):
    """No session matches the name given."""


class SessionFileError(QTmuxError):
    """A session file is missing, truncated, foreign or from a newer q-tmux."""
