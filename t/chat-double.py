#!/usr/bin/env python3
"""A local stand-in for a Mattermost/Slack incoming webhook, for the chat
sink's tests (python3 standard library only).

  POST /hooks/TOKEN   the webhook.  Checked strictly: the path's token,
                      Content-Type application/json, a JSON object body
                      with a non-empty string "text", only the keys
                      text/channel/username/icon_url, each a string.  A
                      request that breaks a rule gets 400 and is logged
                      with "error".  Otherwise the next fault (if any)
                      answers, else 200 "ok" (Slack's answer).
  POST /_control      {"faults": [{"status": 429, "retry_after": "2",
                      "count": 1}, ...]} replaces the faults; each answers
                      "count" requests (default 1) with its status
  GET  /_health       200

Every webhook request is appended to --log as one JSON line: t (arrival,
epoch seconds), path, content_type, body (parsed, or the raw text), status,
error.
"""

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"faults": [], "log": None, "token": None}
KEYS = {"text", "channel", "username", "icon_url"}


def check(handler, raw):
    if handler.path != "/hooks/" + STATE["token"]:
        return None, 404, "wrong path"
    ctype = handler.headers.get("Content-Type", "")
    if ctype.split(";")[0].strip() != "application/json":
        return None, 400, "content type " + ctype
    try:
        body = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return raw.decode("utf-8", "replace"), 400, "not JSON"
    if not isinstance(body, dict):
        return body, 400, "not an object"
    if set(body) - KEYS:
        return body, 400, "unknown keys %s" % sorted(set(body) - KEYS)
    if any(not isinstance(v, str) for v in body.values()):
        return body, 400, "a non-string value"
    if not body.get("text"):
        return body, 400, "no text"
    return body, 200, None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, text, headers=None):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_health":
            self.reply(200, "ok")
        else:
            self.reply(404, "no")

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n)
        if self.path == "/_control":
            with LOCK:
                STATE["faults"] = json.loads(raw)["faults"]
            self.reply(200, "ok")
            return
        body, status, error = check(self, raw)
        headers = {}
        text = "ok" if status == 200 else (error or "invalid_payload")
        with LOCK:
            if status == 200 and STATE["faults"]:
                f = STATE["faults"][0]
                status = f["status"]
                text = f.get("body", "rate_limited" if status == 429
                             else "fault")
                if f.get("retry_after") is not None:
                    headers["Retry-After"] = f["retry_after"]
                f["count"] = f.get("count", 1) - 1
                if f["count"] <= 0:
                    STATE["faults"].pop(0)
            rec = {"t": time.time(), "path": self.path,
                   "content_type": self.headers.get("Content-Type", ""),
                   "body": body, "status": status, "error": error}
            with open(STATE["log"], "a") as f:
                f.write(json.dumps(rec) + "\n")
        self.reply(status, text, headers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    STATE["log"] = a.log
    STATE["token"] = a.token
    ThreadingHTTPServer.allow_reuse_address = True
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.serve_forever()


if __name__ == "__main__":
    main()
