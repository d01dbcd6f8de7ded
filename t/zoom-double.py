#!/usr/bin/env python3
"""A local stand-in for the Zoom REST API, for `zoomtrack camera` tests.

Serves, on 127.0.0.1:PORT (python3 standard library only):
  POST /oauth/token                 Server-to-Server OAuth: checks the exact
                                    Basic header, grant_type and account_id
                                    (form body or query string),
                                    issues tokens with the scenario's
                                    expires_in
  GET  /v2/metrics/meetings/{uuid}/participants/qos
                                    Dashboard QOS: Bearer token checked (401
                                    code 124 otherwise), type=past required
                                    (a "live" meeting has not ended: 404
                                    code 3001, as Zoom answers type=past),
                                    page_size <= 10 enforced (default 1),
                                    next_page_token pagination (a token
                                    lives page_token_ttl seconds, 900 as
                                    Zoom's 15 minutes, then 400 code 300);
                                    a uuid that
                                    starts with '/' or contains '//' but was
                                    not double-encoded gets Zoom's 404 3001
  GET  /v2/metrics/webinars/{uuid}/participants/qos
                                    the same for a webinar instance
                                    ("webinars"; the meetings one does not
                                    know a webinar: 404 code 3001)
  GET  /v2/meetings/{id}            meeting settings (pre-assigned rooms)
  GET  /v2/report/meetings/{uuid}/participants
  GET  /v2/report/webinars/{uuid}/participants
                                    Report API: Bearer checked, the same
                                    double-encoding rule, page_size <= 300
                                    (default 30), next_page_token paging;
                                    a webinar's uuid is only known to the
                                    webinars one (404 code 3001 otherwise)
  POST /_control                    {"faults": [...]} replaces the faults,
                                    {"meetings": {uuid: ...}} those meetings
  GET  /_health                     200

The scenario (JSON file, --scenario):
  {"account_id", "client_id", "client_secret", "expires_in",
   "page_token_ttl", "page_token_status" (400, or 300),
   "meetings": {uuid: {"participants": [...], "live": bool} |
                      {"error": {"status", "body"}}},
   "webinars": {uuid: as meetings, for webinar instances},
   "settings": {meeting_id: {...GET /meetings body...}},
   "reports": {uuid: {"participants": [...]} | {"error": {"status", "body"}}},
   "webinar_reports": {uuid: as reports, for webinar instances},
   "faults": [{"on": "qos|token|meeting|report|any", "type": "429|500|401|badjson|
               slow|truncated|trickle|repeat_token|scope",
               "retry_after": "seconds|http-date|iso|none",
               "limit": "daily" (429: the daily-limit body and headers),
               "seconds": 2, "delay": 3, "count": 1, "skip": 0,
               "chunks": 8, "gap": 0.3 (trickle: the body in chunks
               that far apart, a slow link; repeat_token: a page asked
               with a next_page_token gives that same token as the next;
               scope: 401 code 4700, the token lacks the API's scope)}]}
A participant with a "camera" string ("1101", one char per minute, 1 = on)
gets generated per-minute user_qos from the documented sample's shape
starting at "start"; camera-off minutes cycle through the plausible off
encodings (empty strings, "0 kbps"/"0*0", "0.00 kbps"/"").

Every request except /_* is appended to --log as one JSON line: t (arrival,
epoch seconds), method, path (raw, undecoded), query, headers (lowercased
names), body, status (-1: a "slow" fault, logged on arrival),
retry_after.
"""

import argparse
import base64
import copy
import email.utils
import json
import math
import os
import re
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"scenario": {}, "faults": [], "tokens": {}, "pages": {},
         "seen": {}, "log": None, "template": None}

QOS_RE = re.compile(r'^/v2/metrics/(meetings|webinars)/(.+)/participants/qos$')
MEETING_RE = re.compile(r'^/v2/meetings/([^/]+)$')
REPORT_RE = re.compile(r'^/v2/report/(meetings|webinars)/(.+)/participants$')

RATE_BODY = {"code": 429, "message": "You have reached the maximum "
             "per-second rate limit for this API. Try again later."}
# RL-DOC's daily-limit text; Zoom may leave Retry-After out (devforum 18928)
DAILY_BODY = {"code": 429, "message": "You have reached the maximum daily "
              "rate limit for this API. Refer to the response header for "
              "details on when you can make another request."}


def iso(t):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))


def parse_iso(s):
    return float(__import__('calendar').timegm(
        time.strptime(s, '%Y-%m-%dT%H:%M:%SZ')))


def off_input(i):
    kinds = [("", ""), ("0 kbps", "0*0"), ("0.00 kbps", "")]
    return kinds[i % len(kinds)]


def on_input(i):
    # every third on-minute reports only a resolution
    if i % 3 == 2:
        return ("", "640*360")
    return ("%d.%02d kbps" % (400 + 37 * i, i % 100), "1280*720")


def expand(p):
    """A participant spec with "camera" -> a full QOS participant."""
    if "camera" not in p:
        return p
    tmpl = STATE["template"]
    out = copy.deepcopy(tmpl)
    for k, v in p.items():
        if k not in ("camera", "start"):
            out[k] = v
    start = parse_iso(p.get("start", "2026-11-20T10:00:00Z"))
    sample = tmpl["user_qos"][0]
    qos = []
    n_on = n_off = 0
    for i, c in enumerate(p["camera"]):
        s = copy.deepcopy(sample)
        # Zoom stamps samples on the minute; add seconds sometimes so the
        # client's truncation is exercised
        s["date_time"] = iso(start + 60 * i + (17 if i % 4 == 3 else 0))
        if c == '1':
            br, res = on_input(n_on)
            n_on += 1
        elif c == '-':
            del s["video_input"]
            qos.append(s)
            continue
        else:
            br, res = off_input(n_off)
            n_off += 1
        s["video_input"]["bitrate"] = br
        s["video_input"]["resolution"] = res
        s["video_input"]["frame_rate"] = "" if c != '1' else "25 fps"
        qos.append(s)
    out["user_qos"] = qos
    out["join_time"] = iso(start)
    out["leave_time"] = iso(start + 60 * len(p["camera"]))
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    # ------------------------------------------------------------ plumbing

    def reply(self, status, body, headers=None, raw=False):
        data = body if raw else json.dumps(body).encode()
        if self.rec is not None:
            # logged before the answer leaves, so that a client that has
            # its answer always finds the request in the log
            self.rec["status"] = status
            self.rec["retry_after"] = (headers or {}).get("Retry-After", "")
            self.record()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        trickle = getattr(self, "trickle", None)
        if trickle:
            n = max(1, trickle.get("chunks", 8))
            step = max(1, math.ceil(len(data) / n))
            try:
                for i in range(0, len(data), step):
                    self.wfile.write(data[i:i + step])
                    self.wfile.flush()
                    time.sleep(trickle.get("gap", 0.3))
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if getattr(self, "truncate", False):
            # the connection drops mid-body: fewer bytes than announced
            data = data[:len(data) // 2]
            self.close_connection = True
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def record(self):
        if self.rec is None or STATE["log"] is None:
            return
        with LOCK:
            with open(STATE["log"], "a") as f:
                f.write(json.dumps(self.rec) + "\n")
        self.rec = None

    def take_fault(self, kind):
        with LOCK:
            for f in STATE["faults"]:
                if f.get("on", "any") not in (kind, "any"):
                    continue
                if f.get("count", 1) <= 0:
                    continue
                if f.get("skip", 0) > 0:
                    f["skip"] -= 1
                    continue
                f["count"] = f.get("count", 1) - 1
                return dict(f)
        return None

    def apply_fault(self, f):
        """Returns True when the fault produced the response."""
        t = f.get("type")
        if t == "slow":
            # logged now (status -1): the client may give up and move on
            if self.rec is not None:
                self.rec["status"] = -1
                self.rec["fault"] = "slow"
                self.record()
            time.sleep(f.get("delay", 3))
            return False
        if t == "429":
            daily = f.get("limit") == "daily"
            h = {"X-RateLimit-Category": "Heavy",
                 "X-RateLimit-Type": "Daily-limit" if daily else "QPS"}
            if daily:
                h["X-RateLimit-Limit"] = "30000"
                h["X-RateLimit-Remaining"] = "0"
            kind = f.get("retry_after", "seconds")
            secs = f.get("seconds", 2)
            at = math.ceil(time.time()) + secs
            if kind == "seconds":
                h["Retry-After"] = str(secs)
            elif kind == "http-date":
                h["Retry-After"] = email.utils.formatdate(at, usegmt=True)
            elif kind == "iso":
                h["Retry-After"] = iso(at)
            self.reply(429, DAILY_BODY if daily else RATE_BODY, h)
            return True
        if t == "500":
            self.reply(500, {"code": 500, "message": "Internal Error"})
            return True
        if t == "401":
            self.reply(401, {"code": 124, "message": "Invalid access token."})
            return True
        if t == "scope":
            # what a new token gets as well: the app lacks the scope
            self.reply(401, {"code": 4700, "message": "Invalid access "
                             "token, does not contain scopes."})
            return True
        if t == "truncated":
            # answered as usual, but cut short (reply())
            self.truncate = True
            if self.rec is not None:
                self.rec["fault"] = "truncated"
            return False
        if t == "trickle":
            # answered as usual, slowly but never stalling (reply())
            self.trickle = f
            if self.rec is not None:
                self.rec["fault"] = "trickle"
            return False
        if t == "repeat_token":
            # a broken paginator: the next page is "the same again"
            self.repeat_token = True
            return False
        if t == "badjson":
            self.reply(200, b'{"participants": [ {"user_qos": ', raw=True)
            return True
        return False

    def body_text(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n).decode("utf-8", "replace") if n else ""

    def start(self):
        raw_path, _, query = self.path.partition("?")
        self.raw_path = raw_path
        self.truncate = False
        self.trickle = None
        self.repeat_token = False
        self.query = urllib.parse.parse_qs(query, keep_blank_values=True)
        self.rec = None
        if not raw_path.startswith("/_"):
            self.rec = {"t": time.time(), "method": self.command,
                        "path": raw_path, "query": query,
                        "headers": {k.lower(): v
                                    for k, v in self.headers.items()},
                        "body": "", "status": 0, "retry_after": ""}

    # ------------------------------------------------------------ methods

    def do_POST(self):
        self.start()
        body = self.body_text()
        if self.rec is not None:
            self.rec["body"] = body
        try:
            if self.raw_path == "/_control":
                new = json.loads(body)
                with LOCK:
                    if "faults" in new:
                        STATE["faults"] = new["faults"]
                    if "meetings" in new:
                        STATE["scenario"].setdefault("meetings", {}).update(
                            new["meetings"])
                    for k in ("expires_in", "page_token_ttl",
                              "page_token_status"):
                        if k in new:
                            STATE["scenario"][k] = new[k]
                self.reply(200, {"ok": True})
            elif self.raw_path == "/oauth/token":
                self.oauth(body)
            else:
                self.reply(404, {"code": 404, "message": "Not found"})
        finally:
            self.record()

    def do_GET(self):
        self.start()
        try:
            if self.raw_path == "/_health":
                self.reply(200, {"ok": True})
                return
            self.api()
        finally:
            self.record()

    # ------------------------------------------------------------ oauth

    def oauth(self, body):
        sc = STATE["scenario"]
        f = self.take_fault("token")
        if f and self.apply_fault(f):
            return
        want = "Basic " + base64.b64encode(
            ("%s:%s" % (sc["client_id"], sc["client_secret"])).encode()
        ).decode()
        if self.headers.get("Authorization") != want:
            self.reply(400, {"reason": "Invalid client_id or client_secret",
                             "error": "invalid_client"})
            return
        # the fields are read from a form body or the query string only
        # (a JSON body is not looked into)
        ctype = self.headers.get("Content-Type", "")
        form = {}
        if ctype.split(";")[0].strip().lower() == \
                "application/x-www-form-urlencoded":
            form = urllib.parse.parse_qs(body)
        for k, v in self.query.items():
            form.setdefault(k, v)
        if form.get("grant_type") != ["account_credentials"]:
            self.reply(400, {"reason": "Unsupported grant type",
                             "error": "unsupported_grant_type"})
            return
        if form.get("account_id") != [sc["account_id"]]:
            self.reply(400, {"reason": "Invalid account_id",
                             "error": "invalid_request"})
            return
        tok = "tok-" + secrets.token_hex(12)
        exp = sc.get("expires_in", 3600)
        with LOCK:
            STATE["tokens"][tok] = time.time() + exp
        self.reply(200, {"access_token": tok, "token_type": "bearer",
                         "expires_in": exp,
                         "scope": "dashboard_meetings:read:admin "
                                  "meeting:read:admin",
                         "api_url": "https://api.zoom.us"})

    # ------------------------------------------------------------ api

    def api(self):
        auth = self.headers.get("Authorization", "")
        tok = auth[7:] if auth.startswith("Bearer ") else None
        with LOCK:
            exp = STATE["tokens"].get(tok)
        if exp is None or exp <= time.time():
            self.reply(401, {"code": 124, "message": "Invalid access token."})
            return
        m = QOS_RE.match(self.raw_path)
        if m:
            f = self.take_fault("qos")
            if f and self.apply_fault(f):
                return
            self.qos(m.group(1), m.group(2))
            return
        m = REPORT_RE.match(self.raw_path)
        if m:
            f = self.take_fault("report")
            if f and self.apply_fault(f):
                return
            self.report(m.group(1), m.group(2))
            return
        m = MEETING_RE.match(self.raw_path)
        if m:
            f = self.take_fault("meeting")
            if f and self.apply_fault(f):
                return
            mid = urllib.parse.unquote(m.group(1))
            st = STATE["scenario"].get("settings", {}).get(mid)
            if st is None:
                self.reply(404, {"code": 3001, "message":
                                 "Meeting does not exist: %s." % mid})
            else:
                self.reply(200, st)
            return
        self.reply(404, {"code": 404, "message": "No such API in the double"})

    def uuid_of(self, seg):
        """The instance uuid of a path segment, or None after answering
        as Zoom does when a uuid that needs double-encoding was not."""
        once = urllib.parse.unquote(seg)
        double = "%" in once
        uuid = urllib.parse.unquote(once) if double else once
        needs_double = uuid.startswith("/") or "//" in uuid
        if "/" in seg or (needs_double and not double):
            # what Zoom answers: the gateway ate the slashes
            self.reply(404, {"code": 3001, "message":
                             "Meeting does not exist: %s." %
                             re.sub('/+', '', uuid, count=1).lstrip("/")})
            return None
        return uuid

    def page_of(self, table, uuid, size, default, limit):
        """Serves one page of table[uuid]["participants"]."""
        try:
            size = int(self.query.get("page_size", [str(default)])[0])
        except ValueError:
            size = 0
        if size < 1 or size > limit:
            self.reply(400, {"code": 300, "message":
                             "Invalid field: page_size (max %d)." % limit})
            return None
        mt = STATE["scenario"].get(table, {}).get(uuid)
        if mt is None:
            self.reply(404, {"code": 3001, "message":
                             "Meeting does not exist: %s." % uuid})
            return None
        if "error" in mt:
            self.reply(mt["error"]["status"], mt["error"]["body"])
            return None
        if mt.get("live") and table in ("meetings", "webinars"):
            # ACCT-SPEC's 404 for type=past before the meeting ended
            self.reply(404, {"code": 3001, "message":
                             "This meeting's detail info is not available. "
                             "The meeting ID is not valid or the meeting "
                             "has not ended yet"})
            return None
        offset = 0
        npt = self.query.get("next_page_token", [""])[0]
        if npt:
            with LOCK:
                ref = STATE["pages"].get(npt)
            ttl = STATE["scenario"].get("page_token_ttl", 900)
            if ref is None or ref[0] != uuid or ref[2] + ttl <= time.time():
                # Zoom's answer, for an unknown token and an expired one;
                # its reference lists it as HTTP 300 too (page_token_status)
                self.reply(STATE["scenario"].get("page_token_status", 400),
                           {"code": 300, "message":
                                 "The next page token is invalid or "
                                 "expired."})
                return None
            offset = ref[1]
        parts = mt["participants"]
        nxt = ""
        if offset + size < len(parts):
            nxt = secrets.token_urlsafe(18)
            with LOCK:
                STATE["pages"][nxt] = (uuid, offset + size, time.time())
        if self.repeat_token and npt:
            nxt = npt
        return mt, parts[offset:offset + size], nxt, size, len(parts)

    def qos(self, kind, seg):
        uuid = self.uuid_of(seg)
        if uuid is None:
            return
        # a webinar is not a meeting: each has its own QOS endpoint
        table = "meetings" if kind == "meetings" else "webinars"
        if self.query.get("type") != ["past"]:
            self.reply(400, {"code": 300, "message":
                             "this double only serves type=past"})
            return
        got = self.page_of(table, uuid, None, 1, 10)
        if got is None:
            return
        mt, page, nxt, size, total = got
        self.reply(200, {"next_page_token": nxt,
                         "page_count": max(1, math.ceil(total / size)),
                         "page_size": size,
                         "total_records": total,
                         "meeting_number": mt.get("meeting_number", ""),
                         "participants": [expand(p) for p in page]})

    def report(self, kind, seg):
        uuid = self.uuid_of(seg)
        if uuid is None:
            return
        # a webinar is not a meeting: each has its own report endpoint
        table = "reports" if kind == "meetings" else "webinar_reports"
        got = self.page_of(table, uuid, None, 30, 300)
        if got is None:
            return
        mt, page, nxt, size, total = got
        # as Zoom: registrant_id only when include_fields asks for it
        if "registrant_id" not in ",".join(
                self.query.get("include_fields", [])).split(","):
            page = [{k: v for k, v in p.items() if k != "registrant_id"}
                    for p in page]
        self.reply(200, {"next_page_token": nxt,
                         "page_count": max(1, math.ceil(total / size)),
                         "page_size": size,
                         "total_records": total,
                         "participants": page})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--template", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)),
        "data/payloads/qos_participants_past.json"))
    a = ap.parse_args()

    with open(a.scenario) as f:
        STATE["scenario"] = json.load(f)
    STATE["faults"] = STATE["scenario"].get("faults", [])
    STATE["log"] = a.log
    with open(a.template) as f:
        STATE["template"] = json.load(f)["participants"][0]

    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
