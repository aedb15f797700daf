"""A sample integrator for the demo (issue 9): a receiver on 127.0.0.1 that checks each
delivery's signature as docs/webhooks.md says, subscribed to window events and sanctions, and
the last hour replayed to it, so `make run` shows a subscription with its deliveries."""

from __future__ import annotations

import atexit
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from services.notification.domain.webhooks import signature
from shared import clock

if TYPE_CHECKING:
    from services.hall.demo.client import DemoClient

SUBSCRIPTIONS = "/notification/api/v1/webhooks/subscriptions"
PATTERNS = ["govhall.registry.window.*.v1", "govhall.inspection.sanction.*.v1"]


class Receiver(ThreadingHTTPServer):
    """Answers 204 to a delivery whose signature verifies, 401 to anything else."""

    secret = ""
    received: list[str]


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
        message_id = self.headers.get("webhook-id", "")
        timestamp = int(self.headers.get("webhook-timestamp", "0"))
        expected = signature(self.server.secret, message_id, timestamp, body)
        signed = self.headers.get("webhook-signature", "").split()
        ok = expected in signed
        if ok:
            self.server.received.append(message_id)
        self.send_response(204 if ok else 401)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the log is the API's
        return


def _receiver() -> Receiver:
    server = Receiver(("127.0.0.1", 0), _Handler)
    server.received = []
    threading.Thread(target=server.serve_forever, name="demo-integrator", daemon=True).start()
    atexit.register(server.shutdown)
    return server


def load(client: DemoClient) -> int:
    """Subscribes the sample integrator and replays the last hour to it; returns how many
    deliveries that made."""
    receiver = _receiver()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/govhall"
    body = {"url": url, "event_types": PATTERNS, "description": "示例对接系统 · sample integrator"}
    made = client.call("POST", SUBSCRIPTIONS, body, role="integrator")
    receiver.secret = made["secret"]
    now = clock.now()
    window = {
        "from": (now - timedelta(hours=1)).isoformat(),
        "to": (now + timedelta(minutes=1)).isoformat(),
    }
    replay = f"{SUBSCRIPTIONS}/{made['id']}/replay"
    replayed = client.call("POST", replay, window, role="integrator", expect=(202,))
    return int(replayed["deliveries"])
