"""Drive a real agent by hand: ``python -m tests.real_agents.lab AGENT DIR``.

Starts the model server, writes a sandbox HOME under DIR, prints the
environment to start the agent with, and logs every request to
DIR/requests.jsonl until interrupted.
"""

from __future__ import annotations

import json
import shlex
import sys
import time
from pathlib import Path

from tests.real_agents.model_server import ModelServer
from tests.real_agents.sandbox import prepare_home


def main(argv: list[str]) -> int:
    agent, base = argv[0], Path(argv[1]).resolve()
    work = base / "work"
    home = base / "home"
    work.mkdir(parents=True, exist_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    port_file = base / "port"
    port = int(port_file.read_text()) if port_file.exists() else 0
    server = ModelServer(port).start()
    port_file.write_text(str(server.port))
    env = prepare_home(agent, home, server.url, [work])
    (base / "env.sh").write_text("".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items()))
    print(f"server on {server.url}; source {base / 'env.sh'}", flush=True)
    seen = 0
    with (base / "requests.jsonl").open("a") as log:
        while True:
            time.sleep(0.2)
            while seen < len(server.requests):
                r = server.requests[seen]
                log.write(
                    json.dumps({"path": r.path, "main": r.main, "reply": r.reply, "body": r.body})
                    + "\n"
                )
                log.flush()
                seen += 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
