"""The fact file: keyed on commits, written whole or not at all, a bad file ignored."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from q_tmux.store import facts
from q_tmux.store.facts import FactStore, facts_path, key

A, B, C = "a" * 40, "b" * 40, "c" * 40


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state"


def test_a_key_is_the_kind_and_its_commits() -> None:
    assert key("ahead-behind", A, B) == f"ahead-behind:{A}:{B}"
    assert key("ahead-behind", A, B) != key("ahead-behind", A, C)  # a moved tip: a new key
    assert key("ahead-behind", A, B) != key("predict", A, B)


def test_each_repository_has_its_own_file(state_home: Path) -> None:
    assert facts_path("/src/app") != facts_path("/src/other")
    assert facts_path("/src/app").startswith(str(state_home / "q-tmux" / "facts"))


def test_a_saved_fact_is_read_back_by_the_next_store() -> None:
    store = FactStore("/src/app")
    assert store.get(key("ahead-behind", A, B)) is None
    store.put(key("ahead-behind", A, B), [2, 1])
    assert store.get(key("ahead-behind", A, B)) == [2, 1]  # before saving too
    store.save()
    again = FactStore("/src/app")
    assert again.get(key("ahead-behind", A, B)) == [2, 1]
    assert again.get(key("ahead-behind", A, C)) is None  # other commits: not known
    assert FactStore("/src/other").get(key("ahead-behind", A, B)) is None


def test_refresh_hides_what_is_stored_but_keeps_what_it_computes() -> None:
    store = FactStore("/src/app")
    store.put(key("x", A), 1)
    store.save()
    fresh = FactStore("/src/app", refresh=True)
    assert fresh.get(key("x", A)) is None
    fresh.put(key("x", A), 2)
    assert fresh.get(key("x", A)) == 2
    fresh.save()
    assert FactStore("/src/app").get(key("x", A)) == 2


def test_two_writers_keep_each_others_facts() -> None:
    first, second = FactStore("/src/app"), FactStore("/src/app")
    first.get(key("x", A))  # both read the file before either writes
    second.get(key("x", A))
    first.put(key("x", A), 1)
    second.put(key("x", B), 2)
    second.put(key("x", A), 3)
    first.save()
    second.save()
    store = FactStore("/src/app")
    assert (store.get(key("x", A)), store.get(key("x", B))) == (3, 2)  # the last writer's


@pytest.mark.parametrize(
    "content", ["{not json", "[1, 2]", '{"version": 1, "facts": [1]}', '{"version": 99}', ""]
)
def test_a_bad_file_is_ignored_and_rewritten(content: str) -> None:
    path = Path(facts_path("/src/app"))
    path.parent.mkdir(parents=True)
    path.write_text(content)
    store = FactStore("/src/app")
    assert store.get(key("x", A)) is None
    store.put(key("x", A), 1)
    store.save()
    assert json.loads(path.read_text()) == {"version": facts.VERSION, "facts": {key("x", A): 1}}


def test_a_save_leaves_no_temporary_file_and_replaces_the_file_whole() -> None:
    store = FactStore("/src/app")
    store.put(key("x", A), 1)
    store.save()
    path = Path(facts_path("/src/app"))
    inode = path.stat().st_ino
    store.put(key("x", B), 2)
    store.save()
    assert os.listdir(path.parent) == [path.name]
    assert path.stat().st_ino != inode  # renamed over, never written in place


def test_the_oldest_facts_go_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(facts, "MAX_FACTS", 3)
    store = FactStore("/src/app")
    for commit in "1234":
        store.put(key("x", commit), commit)
    store.save()
    kept = FactStore("/src/app")
    assert [kept.get(key("x", commit)) for commit in "1234"] == [None, "2", "3", "4"]


def test_an_unwritable_folder_is_no_error(state_home: Path) -> None:
    state_home.mkdir()
    (state_home / "q-tmux").write_text("a file where the folder should be")
    store = FactStore("/src/app")
    store.put(key("x", A), 1)
    store.save()  # nothing saved, nothing raised
    assert store.get(key("x", A)) == 1
