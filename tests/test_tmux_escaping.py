"""Paths, names, messages and commands reach tmux as data: tmux runs and expands none of them.

tmux expands formats in some arguments (``#(...)`` runs a shell command), its
command parser ends a command at an argument ending in ``;``, and it hands a
one-word command to ``sh -c``. Every test here puts each of those, and the
shell's metacharacters, where a user can: no PWNED file may appear, and
everything must land where it was meant to.
"""

from __future__ import annotations

import json
import shlex
import stat
from pathlib import Path

import pytest
from libtmux.server import Server

from q_tmux.adapters import tmuxcmd
from q_tmux.adapters.tmux import Tmux
from tests.conftest import QTmux, launches, make_repo, session_json, wait_for

# No "/" (it is a folder name), no newline; "cd;" makes a would-be command write in HOME, and
# a bare "touch" where tmux runs its jobs.
HOSTILE = (
    "x#(touch PWNED0)#(cd;touch PWNED1)#{pane_id}#[fg=red]##%H:%M #S #W "
    "$(cd;touch PWNED2) `cd;touch PWNED3` ${HOME} ' \" & | < > * ? ! ~ \\ end;"
)


def pwned(*places: Path) -> list[Path]:
    """Every file a would-be injection left behind (here, in ``places`` or where tests run)."""
    found = [p for place in places for p in place.rglob("PWNED*")]
    return sorted([*found, *Path.cwd().glob("PWNED*")])


def joined_text(server: Server, pane: str) -> str:
    """The pane's screen and history with wrapped lines joined."""
    return "\n".join(server.cmd("capture-pane", "-p", "-J", "-S", "-", "-t", pane).stdout)


def agent_script(folder: Path, out: Path) -> Path:
    """A one-word agent that writes where it runs, its environment and one typed line."""
    script = folder / "agent"
    script.write_text(
        "#!/bin/sh\n"
        f"out={shlex.quote(str(out))}\n"
        'pwd > "$out/cwd.tmp" && mv "$out/cwd.tmp" "$out/cwd"\n'
        'printf "%s" "$HOSTILE_ENV" > "$out/env"\n'
        'IFS= read -r line; printf "%s" "$line" > "$out/typed.tmp" && mv "$out/typed.tmp" '
        '"$out/typed"\n'
        "sleep 60\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("a#(x)#{y}##", "a##(x)##{y}####"),
        ("#[fg=red]##[x]#", "#[fg=red]##[x]##"),
        ("ends;", "ends\\;"),
        ("ends\\;", "ends\\\\;"),
        (";", "\\;"),
    ],
)
def test_literal_doubles_hashes_and_protects_a_final_semicolon(text: str, expected: str) -> None:
    assert tmuxcmd.literal(text) == expected


def test_message_also_protects_strftime() -> None:
    assert tmuxcmd.message("50% at %H #S") == "50%% at %%H ##S"


def test_program_never_hands_a_single_word_to_a_shell() -> None:
    assert tmuxcmd.program(["/a b/$(x)"]) == ["/bin/sh", "-c", 'exec "$0"', "/a b/$(x)"]
    assert tmuxcmd.program(["q", "chat", "hi;"]) == ["q", "chat", "hi\\;"]


def test_open_window_takes_hostile_paths_commands_environment_and_text_literally(
    server: Server, tmp_path: Path, isolated_env: Path
) -> None:
    folder = tmp_path / HOSTILE
    folder.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    script = agent_script(folder, out)
    tmux = Tmux(socket_name=server.socket_name)
    ref, made = tmux.open_window(
        q_session_id="s1",
        window_name="w1",
        cwd=folder,
        command=[str(script)],
        env={"HOSTILE_ENV": HOSTILE},
        tmux_session=None,
        new_session_name="demo",
        scope=folder,
    )
    assert made
    wait_for(lambda: (out / "cwd").exists(), what="the agent to start")
    typed = "-v " + HOSTILE
    tmux.type_text(ref.pane_id, typed)
    wait_for(lambda: (out / "typed").exists(), what="the typed line to arrive")

    assert (out / "cwd").read_text().rstrip("\n") == str(folder)
    pane_path = server.cmd("display-message", "-p", "-t", ref.pane_id, "#{pane_current_path}")
    assert pane_path.stdout == [str(folder)]
    assert (out / "env").read_text() == HOSTILE
    assert (out / "typed").read_text() == typed
    assert tmux.find_scope_session(folder) == ref.session_id
    assert pwned(isolated_env, tmp_path) == []


def test_respawn_starts_in_a_hostile_folder(server: Server, tmp_path: Path) -> None:
    folder = tmp_path / HOSTILE
    folder.mkdir()
    tmux = Tmux(socket_name=server.socket_name)
    ref, _ = tmux.open_window(
        q_session_id="s1",
        window_name="w1",
        cwd=tmp_path,
        command=["sleep", "60"],
        env={},
        tmux_session=None,
        new_session_name="demo",
        scope=tmp_path,
    )
    tmux.respawn(ref.pane_id, cwd=folder, command=["sleep", "60"], env={})

    def current_path() -> list[str]:
        shown = server.cmd("display-message", "-p", "-t", ref.pane_id, "#{pane_current_path}")
        return list(shown.stdout)

    # tmux reads the new process's folder from /proc: wait until the respawned one runs.
    wait_for(lambda: current_path() == [str(folder)], what=lambda: f"{folder}: {current_path()}")


def test_new_in_a_hostile_repository_runs_nothing_and_lands_in_its_worktree(
    qtmux: QTmux, server: Server, tmp_path: Path, isolated_env: Path, agent_log: Path
) -> None:
    repo = make_repo(tmp_path / HOSTILE / f"repo {HOSTILE}")
    message = f"look at {HOSTILE}"
    qtmux.ok("new", "-d", "s1", message, cwd=repo)
    worktree = repo.parent / f"{repo.name}.worktrees" / "s1"
    wait_for(lambda: launches(agent_log), what="the agent to start")
    launch = launches(agent_log)[0]
    assert launch["cwd"] == str(worktree)
    assert launch["argv"][-1] == message
    record = session_json(worktree)
    assert record["first_message"] == message
    pane = record["tmux"]["pane_id"]
    path = server.cmd("display-message", "-p", "-t", pane, "#{pane_current_path}")
    assert path.stdout == [str(worktree)]
    wait_for(lambda: message in joined_text(server, pane), what="the message shown literally")

    # The same repository's next session joins the tmux session it marked.
    out = tmp_path / "out"
    out.mkdir()
    script = agent_script(tmp_path / HOSTILE, out)
    qtmux.ok("new", "-d", "s2", "--agent", shlex.quote(str(script)), cwd=repo)
    wait_for(lambda: (out / "cwd").exists(), what="the one-word agent to start")
    assert (out / "cwd").read_text().rstrip("\n") == str(repo.parent / f"{repo.name}.worktrees/s2")
    listed = qtmux.ok("list", "--json", cwd=repo).json()
    tmux_sessions = {
        session_json(Path(s["path"]) if "path" in s else Path(s["work_dir"]))["tmux"]["session_id"]
        for s in listed
    }
    assert len(tmux_sessions) == 1
    assert pwned(isolated_env, tmp_path) == []


@pytest.mark.parametrize(
    "name", ["a#(cd;touch PWNED4)", "a#{pane_id}", "a;", "a$(cd;touch PWNED5)", "a b", "a'b"]
)
def test_names_tmux_or_a_shell_would_read_are_refused_in_one_sentence(
    qtmux: QTmux, repo: Path, tmp_path: Path, isolated_env: Path, name: str
) -> None:
    result = qtmux("new", "-d", name, "hello", cwd=repo)
    assert result.returncode != 0
    assert result.stderr.startswith("q-tmux: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert pwned(isolated_env, tmp_path) == []


def test_list_json_names_the_path(qtmux: QTmux, repo: Path) -> None:
    """Guards the ``list --json`` shape the tests above read work dirs from."""
    qtmux.ok("new", "-d", "s1", cwd=repo, env={"Q_STANDIN_DELAY": "0"})
    listed = qtmux.ok("list", "--json", cwd=repo).json()
    assert json.dumps(listed)
    assert {"path", "work_dir"} & set(listed[0])
