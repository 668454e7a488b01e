"""Names from first messages, and the optional LLM, against a real HTTP server on loopback."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType

import httpx  # noqa: F401  # loaded up front, as the product does before its clock starts
import pytest

from q_tmux.sessions.llm_naming import clean_answer, llm_name
from q_tmux.sessions.names import MAX_NAME_LENGTH, keyword_name, name_problem, unique_name
from q_tmux.store.config import LLMNaming


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Fix the parser crash on empty input", "fix-parser-crash"),
        ("Implement OAuth2 login for the API", "oauth2-login-api"),
        ("Refactor the database layer to use SQLAlchemy 2.0", "refactor-database"),
        ("please make it so", ""),  # stop words only
        ("修复解析器的崩溃", ""),  # no Latin letters
        ("", ""),
        ("   \t  ", ""),
        ("Crème brûlée recipes", "creme-brulee-recipes"),
        ("HEAD", "head"),
        ("-x a..b @{ foo.lock", "x-b-foo-lock"),
        ("tab\tand\x07bell", "tab-bell"),
    ],
)
def test_keyword_names(message: str, expected: str) -> None:
    assert keyword_name(message) == expected


def test_long_messages_stay_within_the_limit() -> None:
    name = keyword_name("refactoring " * 30 + "everything everywhere", limit=20)
    assert 0 < len(name) <= 20
    assert name_problem(name) is None
    assert len(keyword_name("x" * 300)) == 20


def test_unique_names_count_up_and_stay_valid() -> None:
    taken = {"fix-parser", "fix-parser-2"}
    assert unique_name("fix-parser", taken.__contains__) == "fix-parser-3"
    assert unique_name("", set().__contains__) == "session"
    long = "y" * MAX_NAME_LENGTH
    suffixed = unique_name(long, {long}.__contains__)
    assert suffixed.endswith("-2")
    assert len(suffixed) <= MAX_NAME_LENGTH


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("fix-parser-crash", "fix-parser-crash"),
        ("`empty-input-crash`\n", "empty-input-crash"),
        ("Fix_Parser", "fix_parser"),
        ("I'm sorry, but I can't help with that.", None),
        ("Here is a name:\nfoo\nbar", None),
        ("#(touch x)", None),  # a space: prose, not a name
        ("#(touch-x)", "touch-x"),
        ("HEAD", "head"),
        ("", None),
    ],
)
def test_model_answers_are_validated_like_any_name(answer: str, expected: str | None) -> None:
    assert clean_answer(answer) == expected


class Endpoint(BaseHTTPRequestHandler):
    """Speaks chat completions; the first path segment picks its behaviour."""

    def do_POST(self) -> None:
        mode = self.path.strip("/").split("/")[0]
        length = int(self.headers.get("Content-Length", "0"))
        request = json.loads(self.rfile.read(length))
        assert request["messages"][-1]["role"] == "user"
        if mode in ("slow", "hang"):
            time.sleep(15 if mode == "slow" else 60)
            self.close_connection = True  # the client gave up long ago: nobody reads an answer
            return
        if mode == "error":
            self.send_response(500)
            self.end_headers()
            return
        if mode == "garbage":
            body = b"<html>not json</html>"
        else:
            content = {"good": "parser-empty-input", "refusal": "I cannot do that."}.get(mode, "x")
            body = json.dumps(
                {"choices": [{"message": {"role": "assistant", "content": content}}]}
            ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("good", "parser-empty-input"), ("refusal", None), ("error", None), ("garbage", None)],
)
def test_llm_naming_uses_only_a_valid_answer(
    endpoint: str, mode: str, expected: str | None
) -> None:
    # A generous timeout: these answers come at once, and a loaded machine must not turn one
    # into a timeout (the budget has its own tests below).
    settings = LLMNaming(base_url=f"{endpoint}/{mode}/v1", model="m", timeout=20)
    assert llm_name(settings, "Fix the parser crash on empty input", 20) == expected


@pytest.mark.parametrize("mode", ["slow", "hang"])
def test_llm_naming_never_waits_past_its_timeout(endpoint: str, mode: str) -> None:
    settings = LLMNaming(base_url=f"{endpoint}/{mode}/v1", model="m", timeout=0.5)
    assert "httpx" in sys.modules  # the clock below measures the endpoint, not the import
    started = time.monotonic()
    assert llm_name(settings, "Fix the parser crash on empty input", 20) is None
    # The endpoint holds its answer for 15 s or more: returning well before that is the
    # timeout at work. The margin over the 0.5 s budget is for a loaded machine, not a figure.
    assert time.monotonic() - started < 0.5 + 5


class _SlowImport(importlib.abc.MetaPathFinder):
    """Makes importing ``httpx`` cost ``seconds``, as it can on a loaded machine."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == "httpx":
            time.sleep(self.seconds)
        return None  # the usual finders do the import itself


def test_importing_the_http_client_is_not_charged_to_the_endpoint(
    endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "httpx")  # restored afterwards
    monkeypatch.setattr(sys, "meta_path", [_SlowImport(2.5), *sys.meta_path])
    settings = LLMNaming(base_url=f"{endpoint}/good/v1", model="m", timeout=2)
    assert llm_name(settings, "Fix the parser crash on empty input", 20) == "parser-empty-input"


def test_an_unreachable_endpoint_is_a_quick_no() -> None:
    settings = LLMNaming(base_url="http://127.0.0.1:9/v1", model="m", timeout=20)
    started = time.monotonic()
    assert llm_name(settings, "anything", 20) is None
    assert time.monotonic() - started < 10  # refused at once: no waiting for the timeout


def test_no_config_or_no_message_asks_nothing() -> None:
    assert llm_name(None, "x", 20) is None
    settings = LLMNaming(base_url="http://127.0.0.1:9/v1", model="m")
    assert llm_name(settings, "  ", 20) is None
