"""A scriptable model server on 127.0.0.1 for the real agent programs.

It speaks just enough of four wire formats for Claude Code, Codex, Gemini CLI
and aider to hold a conversation:

- Anthropic Messages (``POST /v1/messages``, SSE or JSON, and ``count_tokens``);
- OpenAI Responses (``POST /v1/responses``, SSE);
- OpenAI Chat Completions (``POST /v1/chat/completions``, SSE or JSON);
- Gemini (``:generateContent``, ``:streamGenerateContent``, ``:countTokens``).

What a turn does is chosen by a directive in the user's latest message, so a
test scripts the reply by what it types, and retries or side calls cannot eat
a reply meant for a later turn:

- ``[[quick]]`` (or no directive): answer at once with a short text;
- ``[[stream N]]``: stream text for N seconds;
- ``[[wait N]]``: say nothing for N seconds, then answer with a short text;
- ``[[tool COMMAND]]``: call the agent's shell tool with COMMAND, in the way
  that makes the agent ask for approval;
- ``[[error STATUS]]``: answer with that HTTP status.

A request whose latest input is a tool's result (the turn after an approval)
is answered with ``after_tool`` (a quick text by default). ``force`` makes
every request get one reply (e.g. an error for the bad-input tests). Every
request is recorded in ``requests``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DIRECTIVE = re.compile(r"\[\[(quick|stream|wait|tool|error)\s*([^\]]*)\]\]")
QUICK_TEXT = "Quick answer: done."
AFTER_TOOL_TEXT = "The command ran."
#: The shell tools the agents offer, by name, most specific first.
SHELL_TOOLS = ("Bash", "shell_command", "exec_command", "shell", "run_shell_command")


@dataclass(frozen=True)
class Reply:
    """What the server answers to one request."""

    kind: str  # "quick", "stream", "wait", "tool" or "error"
    seconds: float = 0.0
    command: str = ""
    status: int = 500
    text: str = QUICK_TEXT

    @staticmethod
    def parse(directive: str, argument: str) -> Reply:
        argument = argument.strip()
        if directive == "stream":
            return Reply("stream", seconds=float(argument or 10))
        if directive == "wait":
            return Reply("wait", seconds=float(argument or 10))
        if directive == "tool":
            return Reply("tool", command=argument or "echo approved")
        if directive == "error":
            return Reply("error", status=int(argument or 500))
        return Reply("quick")


@dataclass
class Recorded:
    """One request the server answered."""

    method: str
    path: str
    body: Any
    main: bool
    reply: str
    at: float = field(default_factory=time.monotonic)
    #: When the whole answer was sent (None while it is being sent).
    done_at: float | None = None

    @property
    def text(self) -> str:
        """The whole request body as text, to look for earlier messages in it."""
        return json.dumps(self.body)


def stream_words(seconds: float) -> Iterator[tuple[str, float]]:
    """Chunks of text, and the pause before each, that take about ``seconds`` to send."""
    count = max(1, int(seconds / 0.25))
    for index in range(count):
        word = f"word{index}"
        yield (word + ("\n" if index % 8 == 7 else " ")), (0.25 if index else 0.0)


class ModelServer:
    """The server and its script; ``start()`` it, point the agent at ``url``, ``stop()`` it."""

    def __init__(self, port: int = 0) -> None:
        self.requested_port = port
        self.requests: list[Recorded] = []
        self.after_tool = Reply("quick", text=AFTER_TOOL_TEXT)
        self.force: Reply | None = None
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------
    def start(self) -> ModelServer:
        handler = type("Handler", (_Handler,), {"model": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.requested_port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- what tests look at -------------------------------------------------
    def main_requests(self) -> list[Recorded]:
        """The requests that carried a turn of the conversation (not side calls)."""
        with self._lock:
            return [r for r in self.requests if r.main]

    def record(self, recorded: Recorded) -> None:
        with self._lock:
            self.requests.append(recorded)

    def choose(self, main: bool, latest_user_text: str, after_tool: bool) -> Reply:
        """The reply for a request, from ``force``, the tool follow-up, or the directive."""
        if self.force is not None:
            return self.force
        if not main:
            return Reply("quick")
        found = DIRECTIVE.findall(latest_user_text)
        if found:
            # A new message wins even when it also carries a denied tool's result.
            directive, argument = found[-1]
            return Reply.parse(directive, argument)
        return self.after_tool if after_tool else Reply("quick")


class _Handler(BaseHTTPRequestHandler):
    model: ModelServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    # -- plumbing -----------------------------------------------------------
    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            return {"raw": raw.decode(errors="replace")}

    def _json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _sse_start(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def _sse(self, data: Any, event: str | None = None) -> None:
        chunk = (f"event: {event}\n" if event else "") + f"data: {json.dumps(data)}\n\n"
        self.wfile.write(chunk.encode())
        self.wfile.flush()

    def do_GET(self) -> None:
        self.model.record(Recorded("GET", self.path, {}, False, "models"))
        if self.path.rstrip("/").endswith("/models") or "/models?" in self.path:
            self._json(200, {"object": "list", "data": [{"id": "test-model", "object": "model"}]})
        else:
            self._json(200, {})

    _recorded: Recorded | None = None

    def do_POST(self) -> None:
        self._recorded = None
        body = self._body()
        path = self.path.split("?")[0]
        try:
            if path.endswith("/messages/count_tokens"):
                self.model.record(Recorded("POST", self.path, body, False, "count"))
                self._json(200, {"input_tokens": 100})
            elif path.endswith("/messages"):
                self._anthropic(body)
            elif path.endswith("/responses"):
                self._responses(body)
            elif path.endswith("/chat/completions"):
                self._chat(body)
            elif ":countTokens" in path:
                self.model.record(Recorded("POST", self.path, body, False, "count"))
                self._json(200, {"totalTokens": 100})
            elif ":generateContent" in path or ":streamGenerateContent" in path:
                self._gemini(body, stream=":streamGenerateContent" in path)
            else:
                self.model.record(Recorded("POST", self.path, body, False, "unknown"))
                self._json(404, {"error": {"message": f"no such endpoint {path}"}})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the agent hung up mid-answer (Ctrl-C): nothing left to say
        finally:
            if self._recorded is not None:
                self._recorded.done_at = time.monotonic()

    def _decide(self, body: Any, main: bool, user_text: str, after_tool: bool) -> Reply:
        reply = self.model.choose(main, user_text, after_tool)
        self._recorded = Recorded("POST", self.path, body, main, reply.kind)
        self.model.record(self._recorded)
        return reply

    def _error(self, reply: Reply, payload: Any) -> None:
        self._json(reply.status, payload)

    # -- Anthropic Messages -------------------------------------------------
    def _anthropic(self, body: dict[str, Any]) -> None:
        messages = body.get("messages") or []
        main = bool(body.get("tools")) and bool(body.get("stream"))
        # Claude Code may append a "system" message after the user's turn.
        last: dict[str, Any] = next((m for m in reversed(messages) if m.get("role") == "user"), {})
        content = last.get("content")
        parts = content if isinstance(content, list) else [{"type": "text", "text": content or ""}]
        after_tool = any(p.get("type") == "tool_result" for p in parts if isinstance(p, dict))
        user_text = " ".join(str(p.get("text", "")) for p in parts if isinstance(p, dict))
        reply = self._decide(body, main, user_text, after_tool)
        if reply.kind == "error":
            said = f"test server error {reply.status}"
            self._error(reply, {"type": "error", "error": {"type": "api_error", "message": said}})
            return
        model = body.get("model", "test-model")
        usage = {"input_tokens": 100, "output_tokens": 10}
        if not body.get("stream"):
            self._json(
                200,
                {
                    "id": "msg_side",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [{"type": "text", "text": reply.text}],
                    "stop_reason": "end_turn",
                    "stop_sequence": None,
                    "usage": usage,
                },
            )
            return
        self._sse_start()
        message = {
            "id": f"msg_{time.monotonic_ns()}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage,
        }
        self._sse({"type": "message_start", "message": message}, "message_start")
        stop_reason = "end_turn"
        if reply.kind == "tool":
            block = {"type": "tool_use", "id": f"toolu_{time.monotonic_ns()}", "name": "Bash"}
            self._sse(
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {**block, "input": {}},
                },
                "content_block_start",
            )
            arguments = json.dumps({"command": reply.command, "description": "Run a command"})
            delta = {"type": "input_json_delta", "partial_json": arguments}
            self._sse(
                {"type": "content_block_delta", "index": 0, "delta": delta}, "content_block_delta"
            )
            stop_reason = "tool_use"
        else:
            start = {"type": "text", "text": ""}
            self._sse(
                {"type": "content_block_start", "index": 0, "content_block": start},
                "content_block_start",
            )
            for text, pause in self._texts(reply):
                time.sleep(pause)
                delta = {"type": "text_delta", "text": text}
                self._sse(
                    {"type": "content_block_delta", "index": 0, "delta": delta},
                    "content_block_delta",
                )
        self._sse({"type": "content_block_stop", "index": 0}, "content_block_stop")
        self._sse(
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": 10},
            },
            "message_delta",
        )
        self._sse({"type": "message_stop"}, "message_stop")

    @staticmethod
    def _texts(reply: Reply) -> Iterator[tuple[str, float]]:
        if reply.kind == "stream":
            yield from stream_words(reply.seconds)
            yield "\nStream finished.", 0.0
        elif reply.kind == "wait":
            yield reply.text, reply.seconds
        else:
            yield reply.text, 0.0

    # -- OpenAI Responses ---------------------------------------------------
    def _responses(self, body: dict[str, Any]) -> None:
        items = body.get("input") or []
        last = items[-1] if items else {}
        after_tool = str(last.get("type", "")).endswith("_call_output")
        user_text = ""
        for item in reversed(items):
            if str(item.get("type", "")).endswith("_call_output"):
                break  # only a message after the last tool result is a new turn
            if item.get("role") == "user":
                content = item.get("content")
                if isinstance(content, str):
                    user_text = content
                else:
                    user_text = " ".join(str(c.get("text", "")) for c in content or [])
                break
        main = bool(body.get("tools"))
        reply = self._decide(body, main, user_text, after_tool)
        if reply.kind == "error":
            message = f"test server error {reply.status}"
            self._error(reply, {"error": {"message": message, "type": "server_error"}})
            return
        self._sse_start()
        response_id = f"resp_{time.monotonic_ns()}"
        response: dict[str, Any] = {
            "id": response_id,
            "object": "response",
            "status": "in_progress",
            "model": body.get("model", "test-model"),
            "output": [],
        }
        self._sse({"type": "response.created", "response": response}, "response.created")
        if reply.kind == "tool":
            item = self._function_call(body.get("tools") or [], reply.command)
            self._sse(
                {"type": "response.output_item.added", "output_index": 0, "item": item},
                "response.output_item.added",
            )
            self._sse(
                {"type": "response.output_item.done", "output_index": 0, "item": item},
                "response.output_item.done",
            )
            output = [item]
        else:
            item_id = f"msg_{time.monotonic_ns()}"
            pending = {
                "type": "message",
                "id": item_id,
                "role": "assistant",
                "status": "in_progress",
                "content": [],
            }
            self._sse(
                {"type": "response.output_item.added", "output_index": 0, "item": pending},
                "response.output_item.added",
            )
            said = ""
            for text, pause in self._texts(reply):
                time.sleep(pause)
                said += text
                delta = {
                    "type": "response.output_text.delta",
                    "item_id": item_id,
                    "output_index": 0,
                    "content_index": 0,
                    "delta": text,
                }
                self._sse(delta, "response.output_text.delta")
            done = {
                **pending,
                "status": "completed",
                "content": [{"type": "output_text", "text": said, "annotations": []}],
            }
            self._sse(
                {"type": "response.output_item.done", "output_index": 0, "item": done},
                "response.output_item.done",
            )
            output = [done]
        usage = {
            "input_tokens": 100,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 10,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 110,
        }
        completed = {**response, "status": "completed", "output": output, "usage": usage}
        self._sse({"type": "response.completed", "response": completed}, "response.completed")

    @staticmethod
    def _function_call(tools: list[dict[str, Any]], command: str) -> dict[str, Any]:
        """A call of the offered shell tool that needs approval (escalated sandbox)."""
        offered = {str(t.get("name")): t for t in tools if t.get("type") == "function"}
        name = next((n for n in SHELL_TOOLS if n in offered), "shell")
        properties = (offered.get(name, {}).get("parameters") or {}).get("properties") or {}
        arguments: dict[str, Any] = {
            "sandbox_permissions": "require_escalated",
            "justification": "The test needs to run this command.",
        }
        if "cmd" in properties:
            arguments["cmd"] = command
        elif (properties.get("command") or {}).get("type") == "array":
            arguments["command"] = ["bash", "-lc", command]
        else:
            arguments["command"] = command
        return {
            "type": "function_call",
            "id": f"fc_{time.monotonic_ns()}",
            "call_id": f"call_{time.monotonic_ns()}",
            "name": name,
            "arguments": json.dumps(arguments),
            "status": "completed",
        }

    # -- OpenAI Chat Completions (aider) ------------------------------------
    def _chat(self, body: dict[str, Any]) -> None:
        messages = body.get("messages") or []
        last = messages[-1] if messages else {}
        after_tool = last.get("role") == "tool"
        content = last.get("content")
        if isinstance(content, list):
            content = " ".join(str(c.get("text", "")) for c in content if isinstance(c, dict))
        system = " ".join(str(m.get("content")) for m in messages if m.get("role") == "system")
        # aider's side calls (commit messages, chat summaries) say so in their system prompt.
        main = "commit message" not in system.lower() and "summar" not in system.lower()
        reply = self._decide(body, main, str(content or ""), after_tool)
        if reply.kind == "error":
            said = f"test server error {reply.status}"
            self._error(reply, {"error": {"message": said, "type": "server_error"}})
            return
        text = reply.text
        if reply.kind == "tool":
            text = f"Run this to check:\n\n```bash\n{reply.command}\n```\n"
        model = body.get("model", "test-model")
        base = {"id": "chatcmpl-test", "created": int(time.time()), "model": model}
        usage = {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110}
        if not body.get("stream"):
            answer = {"role": "assistant", "content": text}
            choice = {"index": 0, "message": answer, "finish_reason": "stop"}
            self._json(
                200, {**base, "object": "chat.completion", "choices": [choice], "usage": usage}
            )
            return
        self._sse_start()
        chunks = self._texts(reply) if reply.kind != "tool" else iter([(text, 0.0)])
        first = True
        for piece, pause in chunks:
            time.sleep(pause)
            delta = {"content": piece, **({"role": "assistant"} if first else {})}
            first = False
            choice = {"index": 0, "delta": delta, "finish_reason": None}
            self._sse({**base, "object": "chat.completion.chunk", "choices": [choice]})
        choice = {"index": 0, "delta": {}, "finish_reason": "stop"}
        self._sse({**base, "object": "chat.completion.chunk", "choices": [choice], "usage": usage})
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    # -- Gemini -------------------------------------------------------------
    def _gemini(self, body: dict[str, Any], stream: bool) -> None:
        contents = body.get("contents") or []
        last = contents[-1] if contents else {}
        parts = last.get("parts") or []
        after_tool = any("functionResponse" in p for p in parts)
        user_text = " ".join(str(p.get("text", "")) for p in parts if "text" in p)
        main = bool(body.get("tools"))
        reply = self._decide(body, main, user_text, after_tool)
        if reply.kind == "error":
            message = f"test server error {reply.status}"
            status = "INTERNAL" if reply.status >= 500 else "INVALID_ARGUMENT"
            self._error(
                reply, {"error": {"code": reply.status, "message": message, "status": status}}
            )
            return
        config = body.get("generationConfig") or {}
        wants_json = config.get("responseMimeType") == "application/json"
        usage = {"promptTokenCount": 100, "candidatesTokenCount": 10, "totalTokenCount": 110}

        def chunk(parts: list[dict[str, Any]], finish: str | None) -> dict[str, Any]:
            candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
            if finish:
                candidate["finishReason"] = finish
            return {"candidates": [candidate], "usageMetadata": usage, "modelVersion": "test"}

        if reply.kind == "tool":
            declared = [
                str(f.get("name"))
                for t in body.get("tools") or []
                for f in t.get("functionDeclarations") or []
            ]
            name = next((n for n in SHELL_TOOLS if n in declared), "run_shell_command")
            call = {"name": name, "args": {"command": reply.command, "description": "test"}}
            pieces: list[tuple[list[dict[str, Any]], float]] = [([{"functionCall": call}], 0.0)]
        elif wants_json:
            # Side calls that want JSON (next speaker, routing): a neutral answer.
            answer = {
                "next_speaker": "user",
                "reasoning": "The turn is done.",
                "model_choice": "flash",
                "complexity_score": 10,
                "complexity_reasoning": "A simple request.",
            }
            pieces = [([{"text": json.dumps(answer)}], 0.0)]
        else:
            pieces = [([{"text": text}], pause) for text, pause in self._texts(reply)]
        if not stream:
            merged = [part for parts_, _ in pieces for part in parts_]
            self._json(200, chunk(merged, "STOP"))
            return
        self._sse_start()
        for index, (parts_, pause) in enumerate(pieces):
            time.sleep(pause)
            self._sse(chunk(parts_, "STOP" if index == len(pieces) - 1 else None))
