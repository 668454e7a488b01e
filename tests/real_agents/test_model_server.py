"""The scripted model server: each wire format answers the directive in the latest user message."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.real_agents.model_server import ModelServer


@pytest.fixture
def model() -> Iterator[ModelServer]:
    server = ModelServer().start()
    yield server
    server.stop()


def post(server: ModelServer, path: str, body: dict[str, Any]) -> tuple[int, str]:
    request = urllib.request.Request(
        server.url + path, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def sse_data(text: str) -> list[Any]:
    return [
        json.loads(line[6:])
        for line in text.splitlines()
        if line.startswith("data: ") and line != "data: [DONE]"
    ]


def anthropic(text: str, stream: bool = True) -> dict[str, Any]:
    return {
        "model": "m",
        "stream": stream,
        "tools": [{"name": "Bash"}],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": text}]},
            {"role": "system", "content": "appended after the user's turn"},
        ],
    }


def test_anthropic_streams_text_for_the_seconds_asked(model: ModelServer) -> None:
    status, body = post(model, "/v1/messages", anthropic("hi [[stream 1]]"))
    events = sse_data(body)
    assert status == 200
    assert [e["type"] for e in events][:2] == ["message_start", "content_block_start"]
    words = [e["delta"]["text"] for e in events if e["type"] == "content_block_delta"]
    assert len(words) == 5  # 4 words in 1 s, then "Stream finished."
    assert events[-2]["delta"]["stop_reason"] == "end_turn"
    assert model.main_requests()[0].reply == "stream"


def test_anthropic_tool_use_asks_for_bash_then_the_result_gets_the_follow_up(
    model: ModelServer,
) -> None:
    _, body = post(model, "/v1/messages", anthropic("[[tool echo hi]]"))
    events = sse_data(body)
    start = next(e for e in events if e["type"] == "content_block_start")
    assert start["content_block"]["name"] == "Bash"
    delta = next(e for e in events if e["type"] == "content_block_delta")
    assert json.loads(delta["delta"]["partial_json"])["command"] == "echo hi"
    assert events[-2]["delta"]["stop_reason"] == "tool_use"
    follow_up = anthropic("")
    follow_up["messages"][0]["content"] = [{"type": "tool_result", "content": "hi"}]
    _, body = post(model, "/v1/messages", follow_up)
    texts = [e["delta"]["text"] for e in sse_data(body) if e["type"] == "content_block_delta"]
    assert texts == ["The command ran."]


def test_a_side_call_never_takes_the_directive(model: ModelServer) -> None:
    status, body = post(model, "/v1/messages", {**anthropic("[[error 400]]", stream=False)})
    assert status == 200
    assert json.loads(body)["content"][0]["text"] == "Quick answer: done."
    assert model.main_requests() == []


def test_errors_answer_with_the_status_asked(model: ModelServer) -> None:
    status, body = post(model, "/v1/messages", anthropic("[[error 400]]"))
    assert status == 400
    assert json.loads(body)["error"]["message"] == "test server error 400"


def test_responses_function_call_needs_escalation_for_the_offered_tool(
    model: ModelServer,
) -> None:
    tool = {
        "type": "function",
        "name": "exec_command",
        "parameters": {"properties": {"cmd": {"type": "string"}}},
    }
    user = {"role": "user", "content": [{"type": "input_text", "text": "[[tool ls]]"}]}
    _, body = post(model, "/v1/responses", {"tools": [tool], "input": [user]})
    events = sse_data(body)
    item = next(e["item"] for e in events if e["type"] == "response.output_item.done")
    assert item["name"] == "exec_command"
    arguments = json.loads(item["arguments"])
    assert arguments == {**arguments, "cmd": "ls", "sandbox_permissions": "require_escalated"}
    # The turn after the tool ran is not the same directive again.
    output = {"type": "function_call_output", "call_id": item["call_id"], "output": ""}
    _, body = post(model, "/v1/responses", {"tools": [tool], "input": [user, item, output]})
    deltas = [e["delta"] for e in sse_data(body) if e["type"] == "response.output_text.delta"]
    assert deltas == ["The command ran."]
    assert sse_data(body)[-1]["type"] == "response.completed"


def test_chat_completions_stream_and_json(model: ModelServer) -> None:
    messages = [{"role": "user", "content": "[[quick]]"}]
    _, body = post(model, "/v1/chat/completions", {"stream": True, "messages": messages})
    assert body.rstrip().endswith("data: [DONE]")
    chunks = sse_data(body)
    assert chunks[0]["choices"][0]["delta"]["content"] == "Quick answer: done."
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    messages = [{"role": "user", "content": "[[tool make test]]"}]
    _, body = post(model, "/v1/chat/completions", {"messages": messages})
    assert "```bash\nmake test\n```" in json.loads(body)["choices"][0]["message"]["content"]


def test_gemini_function_call_for_its_shell_tool(model: ModelServer) -> None:
    tools = [{"functionDeclarations": [{"name": "read_file"}, {"name": "run_shell_command"}]}]
    contents = [{"role": "user", "parts": [{"text": "[[tool ls]]"}]}]
    path = "/v1beta/models/m:streamGenerateContent?alt=sse"
    _, body = post(model, path, {"tools": tools, "contents": contents})
    (chunk,) = sse_data(body)
    call = chunk["candidates"][0]["content"]["parts"][0]["functionCall"]
    assert call["name"] == "run_shell_command"
    assert call["args"]["command"] == "ls"
    _, body = post(model, "/v1beta/models/m:countTokens", {"contents": contents})
    assert json.loads(body) == {"totalTokens": 100}
    config = {"responseMimeType": "application/json"}
    _, body = post(model, "/v1beta/models/m:generateContent", {"generationConfig": config})
    text = json.loads(body)["candidates"][0]["content"]["parts"][0]["text"]
    assert json.loads(text)["next_speaker"] == "user"
