"""Asking an OpenAI-compatible chat-completions endpoint for a session name.

Optional and never in the way: the answer is validated and sanitized like
any name, and on any failure (no config, no key, timeout, error status,
refusal, garbage) the caller uses the keyword name. The request runs in a
daemon thread joined with a deadline, so the user never waits longer than
the configured timeout for the endpoint, even for a server that trickles its
answer. The timeout is the endpoint's: the HTTP client is imported before the
clock starts, since that import alone can take half a second on a busy machine.
"""

from __future__ import annotations

import os
import threading

from q_tmux.sessions.names import DEFAULT_NAME_LENGTH, name_problem, suggest_name
from q_tmux.store.config import LLMNaming

SYSTEM_PROMPT = (
    "You name git branches. Reply with one short kebab-case branch name of two to four "
    "lowercase words that says what the task is about. Reply with the name only."
)


def _ask(settings: LLMNaming, message: str, limit: int, answer: list[str]) -> None:
    import httpx

    headers = {"Content-Type": "application/json"}
    key = os.environ.get(settings.api_key_env) if settings.api_key_env else None
    if key:
        headers["Authorization"] = f"Bearer {key}"
    body = {
        "model": settings.model,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": message[:2000]},
        ],
        "max_tokens": 20,
        "temperature": 0,
    }
    try:
        response = httpx.post(
            f"{settings.base_url}/chat/completions",
            json=body,
            headers=headers,
            timeout=settings.timeout,
        )
        response.raise_for_status()
        content = response.json()["choices"][0]["message"]["content"]
    except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError):
        return
    if isinstance(content, str):
        answer.append(content)


def clean_answer(content: str, limit: int = DEFAULT_NAME_LENGTH) -> str | None:
    """The name in a model's answer, made safe; None when it holds none worth using."""
    lines = [line.strip().strip("`'\"*.") for line in content.strip().splitlines() if line.strip()]
    if not lines or len(lines) > 2 or len(lines[0]) > 80 or " " in lines[0].strip():
        return None  # prose (a refusal, an explanation), not a name
    name = suggest_name(lines[0])[:limit].rstrip("-._")
    return name if name and name_problem(name) is None else None


def llm_name(settings: LLMNaming | None, message: str | None, limit: int) -> str | None:
    """A name from the endpoint, or None; never waits longer than ``settings.timeout`` for it."""
    if settings is None or not message or not message.strip():
        return None
    import httpx  # noqa: F401  # loaded here, outside the endpoint's time (see the module doc)

    answer: list[str] = []
    worker = threading.Thread(target=_ask, args=(settings, message, limit, answer), daemon=True)
    worker.start()
    worker.join(settings.timeout)
    if not answer:
        return None
    return clean_answer(answer[0], limit)
