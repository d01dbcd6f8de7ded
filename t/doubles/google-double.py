#!/usr/bin/env python3
"""Strict local stand-ins for Google's token endpoint, the GCE metadata
server, BigQuery's REST API and a fault-injecting front for the GCS
emulator, for zoomtrack's Google Cloud tests (python3 stdlib only).

Serves on 127.0.0.1:PORT:
  POST /token        OAuth 2.0 JWT bearer grant: the assertion's RS256
                     signature is verified with the test key's public half
                     (--key-n, --key-e), and iss, scope (devstorage.read_write
                     and bigquery), aud (this URL), iat (within 300 s of now)
                     and exp (iat + at most 3600) are checked
  GET  /computeMetadata/v1/instance/service-accounts/default/token
                     requires Metadata-Flavor: Google (403 otherwise)
  /bigquery/v2/...   datasets.get/insert, tables.get/insert, insertAll,
                     jobs.query, jobs.getQueryResults (see handle_bq);
                     every call needs a Bearer token this double issued and
                     that has not expired (401 otherwise)
  /storage/v1/..., /upload/storage/v1/...
                     forwarded to --gcs-upstream (the GCS emulator) after
                     checking the Bearer token (with --gcs-auth) and
                     enforcing ifGenerationMatch=0 (412 when the object
                     exists), which the emulator does not; with
                     --gcs-roles, Cloud Storage's IAM checks (replacing
                     an object needs storage.objects.delete too)
  POST /_control     {"faults": [...]} replaces the faults; {"expire": 1}
                     expires every issued token; {"complete_in_query": 1}
                     answers jobs.query with the job done and its first
                     page (else jobComplete false, then one poll); {"seed": {"ds.table":
                     [rows]}, "streamed": 0|1} adds rows unchecked;
                     {"drop_column": {"ds.table": "col"}} takes a
                     column out of a table's schema
  GET  /_state       {"tables": {name: {"schema", "rows": [..]}},
                      ?fields=a,b keeps only those row fields
                      "insert_ids": {table: {id: n}}, "counts": {...}}
  GET  /_health      200

A fault: {"on": "token|metadata|insertAll|query|bq|gcs|any",
          "type": "500|503|429|400|401|403|404|slow|down|partial|invalid|
                  dupindex|badindex",
          "count": N (default 1; -1 forever), "skip": N, "seconds": S,
          "reason": Google's error reason (default: the status's usual one,
          e.g. 403 accessDenied; 403 rateLimitExceeded is a rate limit),
          "retry_after": the Retry-After header of a status fault}
"partial" (insertAll) marks the first row backendError and the rest
stopped, as BigQuery does when one row fails; "invalid" marks it invalid.
"dupindex" and "badindex" (insertAll) answer what BigQuery never does:
insertErrors naming row 0 twice, or twice a row past the request's end.
"jobfail" (query) makes a job that fails with "reason" (backendError):
getQueryResults answers that failure on every call, and a jobs.query
with the same requestId (BigQuery keeps them 15 minutes) gets that job
back; with "in_query": 1 the job fails within timeoutMs, so jobs.query
answers the failure itself (and again for the same requestId).  Jobs carry --location; getQueryResults needs it outside US/EU.
datasets.insert keeps the dataset's "location" (US when none is named);
a jobs.query naming a location where a dataset it reads is not is
answered 404 "was not found in location", as BigQuery does.  "down" closes the
connection without an answer.  Requests are appended to --log as JSON
lines (path, method, status) for the tests' counts.
"""

import argparse
import base64
import datetime
import gc
import hashlib
import json
import re
import secrets
import socket
import sys
import threading
import time
import urllib.parse
import urllib.request
import urllib.error
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.RLock()
S = {"tokens": {}, "faults": [], "tables": {}, "datasets": set(),
     "dataset_location": {},
     "insert_ids": {}, "jobs": {}, "counts": {}, "log": None, "args": None,
     "streamed": {}, "request_ids": {}}

SCOPES = ["https://www.googleapis.com/auth/devstorage.read_write",
          "https://www.googleapis.com/auth/bigquery"]
SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")
BQ = re.compile(r'^/bigquery/v2/projects/([^/]+)(/.*)?$')
TYPES = {"STRING", "INT64", "INTEGER", "TIMESTAMP", "DATE", "BOOL",
         "BOOLEAN", "FLOAT64", "FLOAT"}


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def take_fault(on):
    with LOCK:
        for f in S["faults"]:
            if f.get("on", "any") not in (on, "any") and not (
                    f.get("on") == "bq" and on in ("insertAll", "query",
                                                   "bq")):
                continue
            if f.get("skip", 0) > 0:
                f["skip"] -= 1
                continue
            c = f.get("count", 1)
            if c == 0:
                continue
            if c > 0:
                f["count"] = c - 1
            return dict(f)
    return None


def count(name):
    with LOCK:
        S["counts"][name] = S["counts"].get(name, 0) + 1


def issue_token():
    tok = "ya29.zt-test-" + secrets.token_urlsafe(24)
    ttl = S["args"].expires_in
    with LOCK:
        S["tokens"][tok] = time.time() + ttl
    return {"access_token": tok, "expires_in": ttl, "token_type": "Bearer"}


def verify_jwt(assertion, aud):
    """returns None when good, else the reason"""
    a = S["args"]
    parts = assertion.split(".")
    if len(parts) != 3:
        return "assertion is not a JWT"
    try:
        hdr = json.loads(b64d(parts[0]))
        claims = json.loads(b64d(parts[1]))
        sig = b64d(parts[2])
    except Exception:
        return "assertion is not base64url JSON"
    if hdr.get("alg") != "RS256" or hdr.get("typ") != "JWT":
        return "bad JWT header"
    n = int(a.key_n, 16)
    e = a.key_e
    k = (n.bit_length() + 7) // 8
    if len(sig) != k:
        return "bad signature length"
    em = pow(int.from_bytes(sig, "big"), e, n).to_bytes(k, "big")
    digest = hashlib.sha256((parts[0] + "." + parts[1]).encode()).digest()
    t = SHA256_PREFIX + digest
    want = b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t
    if em != want:
        return "invalid signature"
    if claims.get("iss") != a.iss:
        return "unknown iss"
    if sorted(str(claims.get("scope", "")).split()) != sorted(SCOPES):
        return "bad scope"
    if claims.get("aud") != aud:
        return "bad aud"
    now = time.time()
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int) or not isinstance(exp, int):
        return "iat/exp missing"
    if abs(iat - now) > 300:
        return "iat too far from now"
    if exp <= iat or exp - iat > 3600:
        return "bad exp"
    return None


INT_RE = re.compile(r"-?\d+")
FLOAT_RE = re.compile(r"-?\d+(\.\d+)?")
DATE_RE = re.compile(r"\d{4}-\d\d-\d\d")
TS_RE = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d{1,6})?"
                   r"(Z|[+-]\d\d:\d\d)?")


def check_value(f, v):
    t = f["type"]
    if v is None:
        return None if f.get("mode") != "REQUIRED" else "required"
    if t == "STRING":
        return None if v.__class__ is str else "not a string"
    if t in ("INT64", "INTEGER"):
        if isinstance(v, bool):
            return "not an integer"
        if isinstance(v, int) or (isinstance(v, str)
                                  and INT_RE.fullmatch(v)):
            return None
        return "not an integer"
    if t in ("BOOL", "BOOLEAN"):
        return None if isinstance(v, bool) or v in ("true", "false") \
            else "not a boolean"
    if t in ("FLOAT64", "FLOAT"):
        if isinstance(v, str) and FLOAT_RE.fullmatch(v):
            return None
        return None if isinstance(v, (int, float)) and \
            not isinstance(v, bool) else "not a number"
    if t == "DATE":
        return None if isinstance(v, str) and DATE_RE.fullmatch(v) \
            else "not a date"
    if t == "TIMESTAMP":
        if isinstance(v, (int, float)):
            return None
        if isinstance(v, str) and TS_RE.fullmatch(v):
            return None
        return "not a timestamp"
    return "unsupported type"


SCHEMA_BY = {}


def validate_row(schema, row):
    c = SCHEMA_BY.get(id(schema))
    if c is None:
        c = SCHEMA_BY[id(schema)] = (
            {f["name"]: f for f in schema},
            {f["name"] for f in schema if f["type"] == "STRING"},
            [f["name"] for f in schema if f.get("mode") == "REQUIRED"])
    by, strings, required = c
    for k, v in row.items():
        # a string into a STRING column is most of a row: no call for it
        if v.__class__ is str and k in strings:
            continue
        if k not in by:
            return "no such field: %s." % k
        why = check_value(by[k], v)
        if why:
            return "Cannot convert value to %s (%s) for field %s." % (
                by[k]["type"], why, k)
    for name in required:
        if row.get(name) is None:
            return "Missing required field: %s." % name
    return None


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # the reply's head and body are two writes; with Nagle on, the body
    # waits for the client's delayed ACK (40 ms a request on loopback)
    disable_nagle_algorithm = True

    def log_message(self, *a):
        pass

    def reply(self, status, body=None, ctype="application/json", raw=None,
              headers=()):
        data = raw if raw is not None else (
            json.dumps(body).encode() if body is not None else b"")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for h, v in headers:
            self.send_header(h, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.status = status
        self.logreq()

    def logreq(self):
        if S["log"] and not self.path.startswith("/_"):
            with LOCK:
                S["log"].write(json.dumps({
                    "t": time.time(), "method": self.command,
                    "path": self.path, "status": self.status}) + "\n")
                S["log"].flush()

    def err(self, status, reason, msg, headers=()):
        self.reply(status, {"error": {"code": status, "message": msg,
                                      "errors": [{"reason": reason,
                                                  "message": msg}]}},
                   headers=headers)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def fault(self, on):
        f = take_fault(on)
        if not f:
            return None
        t = str(f.get("type"))
        if t == "slow":
            time.sleep(f.get("seconds", 5))
            return None
        if t == "down":
            self.status = -1
            self.logreq()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return True
        if t in ("partial", "invalid", "jobfail", "dupindex", "badindex"):
            return f
        codes = {"500": "backendError", "429": "rateLimitExceeded",
                 "401": "authError", "403": "accessDenied",
                 "404": "notFound", "400": "invalid", "503": "backendError"}
        ra = f.get("retry_after")
        self.err(int(t), f.get("reason") or codes.get(t, "error"),
                 "injected fault " + t,
                 headers=[("Retry-After", str(ra))] if ra is not None else ())
        return True

    def authorized(self):
        h = self.headers.get("Authorization", "")
        if not h.startswith("Bearer "):
            return False
        with LOCK:
            exp = S["tokens"].get(h[7:])
        return exp is not None and exp > time.time()

    # ------------------------------------------------------------ routes

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_DELETE(self):
        self.route("DELETE")

    def route(self, method):
        self.status = 0
        u = urllib.parse.urlsplit(self.path)
        path = u.path
        data = self.body() if method in ("POST", "PUT") else b""
        if path == "/_health":
            return self.reply(200, {})
        # BigQuery's API request limit (jobs.query, insertAll)
        if path.startswith("/bigquery/") and len(data) > 10 * 1024 * 1024:
            return self.err(400, "invalid", "Request payload size exceeds "
                            "the limit: 10485760 bytes.")
        if path == "/_control":
            c = json.loads(data or b"{}")
            with LOCK:
                if "faults" in c:
                    S["faults"] = c["faults"]
                # a table as an older version made it
                for key, col in (c.get("drop_column") or {}).items():
                    t = S["tables"][key]
                    t["schema"] = [f for f in t["schema"]
                                   if f["name"] != col]
                    SCHEMA_BY.clear()
                if "complete_in_query" in c:
                    S["complete_in_query"] = c["complete_in_query"]
                if c.get("expire"):
                    for k in S["tokens"]:
                        S["tokens"][k] = 0
                # rows as a load job would add them (prune/forget tests);
                # "streamed": 1 puts them in the streaming buffer now
                for key, rows in (c.get("seed") or {}).items():
                    for r in rows:
                        S["tables"][key]["rows"].append(r)
                        if c.get("streamed"):
                            S["streamed"][id(r)] = time.time()
            return self.reply(200, {})
        if path == "/_state":
            # ?fields=a,b projects the rows (tests poll this often)
            q = urllib.parse.parse_qs(u.query)
            fields = (q.get("fields") or [""])[0].split(",")
            with LOCK:
                tables = S["tables"]
                if fields != [""]:
                    tables = {k: dict(t, rows=[{f: r.get(f) for f in fields}
                                               for r in t["rows"]])
                              for k, t in tables.items()}
                st = {"tables": tables, "insert_ids": S["insert_ids"],
                      "counts": S["counts"],
                      "datasets": sorted(S["datasets"]),
                      "dataset_location": S["dataset_location"]}
                raw = json.dumps(st).encode()
            return self.reply(200, raw=raw)
        if path == "/token":
            return self.token(data)
        if path.startswith("/computeMetadata/"):
            return self.metadata(path)
        if path.startswith("/storage/v1/") or path.startswith(
                "/upload/storage/v1/"):
            return self.gcs(method, data)
        m = BQ.match(path)
        if m:
            return self.handle_bq(method, m.group(1), m.group(2) or "",
                                  urllib.parse.parse_qs(u.query), data)
        self.err(404, "notFound", "no route " + path)

    def token(self, data):
        count("token")
        if self.fault("token"):
            return
        f = urllib.parse.parse_qs(data.decode())
        if self.headers.get("Content-Type") != \
                "application/x-www-form-urlencoded":
            return self.reply(400, {"error": "invalid_request",
                                    "error_description": "content type"})
        if f.get("grant_type") != [
                "urn:ietf:params:oauth:grant-type:jwt-bearer"]:
            return self.reply(400, {"error": "unsupported_grant_type"})
        aud = "http://127.0.0.1:%d/token" % S["args"].port
        why = verify_jwt((f.get("assertion") or [""])[0], aud)
        if why:
            return self.reply(400, {"error": "invalid_grant",
                                    "error_description": why})
        self.reply(200, issue_token())

    def metadata(self, path):
        count("metadata")
        if self.headers.get("Metadata-Flavor") != "Google":
            return self.reply(403, raw=b"Missing Metadata-Flavor header",
                              ctype="text/plain")
        if path != ("/computeMetadata/v1/instance/service-accounts/"
                    "default/token"):
            return self.reply(404, raw=b"not found", ctype="text/plain")
        if self.fault("metadata"):
            return
        self.reply(200, issue_token())

    def gcs(self, method, data):
        count("gcs")
        a = S["args"]
        if a.gcs_auth and not self.authorized():
            return self.err(401, "authError", "Invalid Credentials")
        if self.fault("gcs"):
            return
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        up = a.gcs_upstream
        if a.gcs_roles and self.gcs_denied(method, q):
            return
        if q.get("ifGenerationMatch") == ["0"] and "name" in q:
            m = re.match(r"^/upload/storage/v1/b/([^/]+)/o", self.path)
            meta = "%s/storage/v1/b/%s/o/%s" % (
                up, m.group(1), urllib.parse.quote(q["name"][0], safe=""))
            try:
                urllib.request.urlopen(meta, timeout=30).read()
                count("gcs412")
                return self.err(412, "conditionNotMet",
                                "At least one of the pre-conditions you "
                                "specified did not hold.")
            except urllib.error.HTTPError as e:
                if e.code != 404:
                    return self.err(502, "backendError", "upstream")
        path = self.path
        if a.gcs_max_results and method == "GET" and \
                re.match(r"^/storage/v1/b/[^/]+/o(\?|$)", path):
            # small list pages, so clients must follow nextPageToken
            u = urllib.parse.urlsplit(path)
            lq = [(k, v) for k, v in urllib.parse.parse_qsl(u.query)
                  if k != "maxResults"]
            lq.append(("maxResults", str(a.gcs_max_results)))
            path = u.path + "?" + urllib.parse.urlencode(lq)
            count("gcs_list")
        req = urllib.request.Request(up + path, data=data or None,
                                     method=method)
        for h in ("Content-Type",):
            if self.headers.get(h):
                req.add_header(h, self.headers[h])
        try:
            r = urllib.request.urlopen(req, timeout=60)
            st, body, ct = r.status, r.read(), r.headers.get("Content-Type")
        except urllib.error.HTTPError as e:
            st, body, ct = e.code, e.read(), e.headers.get("Content-Type")
        except Exception as e:
            return self.err(502, "backendError", "upstream: %s" % e)
        if st < 300 and method == "POST":
            count("gcs_stored")
        self.reply(st, raw=body, ctype=ct or "application/json")

    # IAM roles on the bucket -> the permissions they grant
    GCS_ROLES = {
        "objectCreator": {"create"},
        "objectViewer": {"get", "list"},
        "objectUser": {"create", "delete", "get", "list"},
        "objectAdmin": {"create", "delete", "get", "list"},
    }

    def gcs_denied(self, method, q):
        """403 when --gcs-roles lack the permission Cloud Storage asks
        for: replacing an object needs storage.objects.delete as well as
        create (an upload with ifGenerationMatch=0 never replaces)"""
        a = S["args"]
        perms = set()
        for r in a.gcs_roles.split(","):
            perms |= self.GCS_ROLES[r]
        path = urllib.parse.urlsplit(self.path).path
        m = re.match(r"^(/upload)?/storage/v1/b/([^/]+)/o(/(.*))?$", path)
        if not m:
            return False
        if method == "DELETE":
            need = ["delete"]
        elif method == "POST":
            need = ["create"]
            if q.get("ifGenerationMatch") != ["0"] and "name" in q:
                meta = "%s/storage/v1/b/%s/o/%s" % (
                    a.gcs_upstream, m.group(2),
                    urllib.parse.quote(q["name"][0], safe=""))
                try:
                    urllib.request.urlopen(meta, timeout=30).read()
                    need.append("delete")
                except urllib.error.HTTPError:
                    pass
        else:
            need = ["get" if m.group(4) else "list"]
        for n in need:
            if n not in perms:
                count("gcs_denied")
                self.err(403, "forbidden", "%s does not have "
                         "storage.objects.%s access to the Google Cloud "
                         "Storage %s." % (a.iss, n, "bucket" if n == "list"
                                          else "object"))
                return True
        return False

    # ---------------------------------------------------------- bigquery

    def handle_bq(self, method, project, rest, q, data):
        count("bq")
        if project != S["args"].project:
            return self.err(404, "notFound", "Not found: Project " + project)
        if not self.authorized():
            return self.err(401, "authError",
                            "Request had invalid authentication "
                            "credentials.")
        m = re.fullmatch(r"/datasets/([^/]+)/tables/([^/]+)/insertAll",
                         rest)
        if m and method == "POST":
            return self.insert_all(m.group(1), m.group(2), data)
        if rest == "/datasets" and method == "POST":
            d = json.loads(data)
            ds = d["datasetReference"]["datasetId"]
            with LOCK:
                if ds in S["datasets"]:
                    return self.err(409, "duplicate",
                                    "Already Exists: Dataset %s:%s" %
                                    (project, ds))
                S["datasets"].add(ds)
                # BigQuery's default when the request names none
                d["location"] = d.get("location") or "US"
                S["dataset_location"][ds] = d["location"]
            return self.reply(200, d)
        m = re.fullmatch(r"/datasets/([^/]+)", rest)
        if m and method == "GET":
            if m.group(1) not in S["datasets"]:
                return self.err(404, "notFound", "Not found: Dataset %s:%s"
                                % (project, m.group(1)))
            return self.reply(200, {"datasetReference": {
                "projectId": project, "datasetId": m.group(1)},
                "location": S["dataset_location"].get(m.group(1), "US")})
        m = re.fullmatch(r"/datasets/([^/]+)/tables", rest)
        if m and method == "POST":
            return self.table_insert(project, m.group(1), json.loads(data))
        m = re.fullmatch(r"/datasets/([^/]+)/tables/([^/]+)", rest)
        if m and method == "GET":
            key = m.group(1) + "." + m.group(2)
            with LOCK:
                t = S["tables"].get(key)
            if t is None:
                return self.err(404, "notFound", "Not found: Table %s:%s"
                                % (project, key))
            return self.reply(200, {"schema": {"fields": t["schema"]},
                                    "tableReference": {
                                        "projectId": project,
                                        "datasetId": m.group(1),
                                        "tableId": m.group(2)}})
        if rest == "/queries" and method == "POST":
            return self.query(project, json.loads(data))
        m = re.fullmatch(r"/queries/([^/]+)", rest)
        if m and method == "GET":
            return self.results(m.group(1), q)
        self.err(404, "notFound", "no BigQuery route %s %s" % (method, rest))

    def table_insert(self, project, ds, d):
        ref = d.get("tableReference", {})
        fields = d.get("schema", {}).get("fields")
        if ds not in S["datasets"]:
            return self.err(404, "notFound", "Not found: Dataset %s:%s" %
                            (project, ds))
        if ref.get("datasetId") != ds or not ref.get("tableId") or \
                not isinstance(fields, list) or not fields:
            return self.err(400, "invalid", "bad table resource")
        for f in fields:
            if f.get("type") not in TYPES or f.get("mode", "NULLABLE") \
                    not in ("NULLABLE", "REQUIRED"):
                return self.err(400, "invalid", "bad field %s" % f)
        # as BigQuery: a partitioning column of a date type, at most four
        # top-level clustering columns of a clusterable type
        types = {f["name"]: f["type"] for f in fields}
        tp = d.get("timePartitioning")
        if tp and (tp.get("type") not in ("DAY", "HOUR", "MONTH", "YEAR")
                   or types.get(tp.get("field")) not in ("DATE",
                                                         "TIMESTAMP")):
            return self.err(400, "invalid", "The field specified for "
                            "time partitioning can only be of type "
                            "TIMESTAMP, DATE or DATETIME.")
        cl = (d.get("clustering") or {}).get("fields")
        if cl is not None and (not cl or len(cl) > 4 or any(
                types.get(c) not in ("STRING", "INT64", "INTEGER", "DATE",
                                     "TIMESTAMP", "BOOL", "BOOLEAN")
                for c in cl)):
            return self.err(400, "invalid", "Clustering fields must be at "
                            "most four top-level columns of a clusterable "
                            "type.")
        key = ds + "." + ref["tableId"]
        with LOCK:
            if key in S["tables"]:
                return self.err(409, "duplicate", "Already Exists: Table "
                                "%s:%s" % (project, key))
            S["tables"][key] = {"schema": fields, "rows": [],
                                "partitioning": d.get("timePartitioning"),
                                "clustering": d.get("clustering")}
        self.reply(200, d)

    def insert_all(self, ds, table, data):
        count("insertAll")
        f = self.fault("insertAll")
        if f is True:
            return
        key = ds + "." + table
        with LOCK:
            t = S["tables"].get(key)
        if t is None:
            return self.err(404, "notFound", "Not found: Table %s" % key)
        try:
            d = json.loads(data)
        except ValueError:
            return self.err(400, "parseError", "body is not JSON")
        rows = d.get("rows")
        if not isinstance(rows, list) or not rows:
            return self.err(400, "invalid", "No rows present in the "
                            "request.")
        if len(rows) > 50000 or len(data) > 10 * 1024 * 1024:
            return self.err(413, "invalid", "Request too large")
        errors = []
        for i, r in enumerate(rows):
            if not isinstance(r, dict) or not isinstance(r.get("json"), dict):
                return self.err(400, "invalid", "row %d has no json" % i)
            why = validate_row(t["schema"], r["json"])
            if why:
                errors.append({"index": i, "errors": [{
                    "reason": "invalid", "location": "", "debugInfo": "",
                    "message": why}]})
        if f and f.get("type") in ("dupindex", "badindex"):
            # an answer BigQuery never gives: a row named twice, or a row
            # the request did not carry; nothing is stored
            at = 0 if f["type"] == "dupindex" else len(rows)
            e = {"index": at, "errors": [{
                "reason": "invalid", "location": "", "debugInfo": "",
                "message": "injected " + f["type"]}]}
            return self.reply(200, {"kind":
                                    "bigquery#tableDataInsertAllResponse",
                                    "insertErrors": [e, dict(e)]})
        if f and not errors:
            inv = f.get("type") == "invalid"
            errors.append({"index": 0, "errors": [{
                "reason": "invalid" if inv else "backendError",
                "location": "event_type" if inv else "",
                "message": "injected: no such field: x." if inv
                           else "injected partial"}]})
        if errors and not d.get("skipInvalidRows"):
            bad = {e["index"] for e in errors}
            for i in range(len(rows)):
                if i not in bad:
                    errors.append({"index": i, "errors": [{
                        "reason": "stopped", "location": "",
                        "debugInfo": "", "message": ""}]})
            errors.sort(key=lambda e: e["index"])
            return self.reply(200, {"kind":
                                    "bigquery#tableDataInsertAllResponse",
                                    "insertErrors": errors})
        with LOCK:
            ids = S["insert_ids"].setdefault(key, {})
            for r in rows:
                iid = r.get("insertId")
                # BigQuery's best-effort dedup: a known insertId is
                # counted, not stored again
                if iid:
                    ids[iid] = ids.get(iid, 0) + 1
                    if ids[iid] > 1 and not S["args"].no_dedup:
                        continue
                t["rows"].append(r["json"])
                if S["args"].streaming_buffer_s:
                    S["streamed"][id(r["json"])] = time.time()
            count("rows")
            # stored rows live until the double exits: keep the cyclic
            # collector from walking them again on every later request
            # (at 100,000 rows it halved the insertAll rate)
            gc.freeze()
        self.reply(200, {"kind": "bigquery#tableDataInsertAllResponse"})

    def query(self, project, d):
        count("query")
        f = self.fault("query")
        if f is True:
            return
        if d.get("useLegacySql") is not False:
            return self.err(400, "invalid", "useLegacySql must be false")
        # a job runs where it says: a dataset made elsewhere is not found
        loc = d.get("location")
        for ds in set(re.findall(r"`[^`.]+\.([^`.]+)\.[^`.]+`",
                                 d.get("query", ""))):
            with LOCK:
                have = S["dataset_location"].get(ds)
            if loc and have and have.lower() != loc.lower():
                return self.err(404, "notFound", "Not found: Dataset "
                                "%s:%s was not found in location %s"
                                % (project, ds, loc))
        rid = d.get("requestId")
        if rid is not None and not (isinstance(rid, str) and rid.isascii()
                                    and 0 < len(rid) <= 36):
            return self.err(400, "invalid", "requestId: up to 36 ASCII "
                            "characters")
        # BigQuery's requestId idempotency (15 minutes): the same request
        # again is answered with the job it made, whatever became of it
        same = json.dumps([d.get("query"), d.get("queryParameters")],
                          sort_keys=True)
        with LOCK:
            prev = S["request_ids"].get(rid) if rid else None
        if prev and prev["same"] == same and time.time() - prev["t"] < 900:
            count("query_same_request_id")
            with LOCK:
                pj = S["jobs"].get(prev["job"], {})
            if pj.get("in_query"):
                return self.job_failed(pj["fail"])
            return self.reply(200, {"kind": "bigquery#queryResponse",
                                    "jobReference": self.job_ref(
                                        project, prev["job"]),
                                    "jobComplete": False})
        if f:
            # a job that BigQuery ran and that failed (DONE with an
            # errorResult): no effect, and getQueryResults says so forever
            job = "job_" + secrets.token_hex(6)
            reason = f.get("reason") or "backendError"
            with LOCK:
                S["jobs"][job] = {"rows": [], "names": [], "polls": 0,
                                  "fail": reason,
                                  "in_query": f.get("in_query")}
                if rid:
                    S["request_ids"][rid] = {"job": job, "same": same,
                                             "t": time.time()}
            count("job_failed")
            if f.get("in_query"):
                # failed within timeoutMs: jobs.query answers the failure
                return self.job_failed(reason)
            return self.reply(200, {"kind": "bigquery#queryResponse",
                                    "jobReference": self.job_ref(project,
                                                                 job),
                                    "jobComplete": False})
        sql = d.get("query", "")
        params = {}
        for p in d.get("queryParameters", []):
            pv = p.get("parameterValue", {})
            if "arrayValues" in pv:
                params[p["name"]] = [
                    a["value"] if "value" in a else
                    {k: v.get("value") for k, v in
                     a.get("structValues", {}).items()}
                    for a in pv["arrayValues"]]
            else:
                params[p["name"]] = pv.get("value")
        # parameter types by name, for the handlers that check them
        self.ptypes = {p.get("name"): p.get("parameterType", {})
                       for p in d.get("queryParameters", [])}
        m = re.search(r"`[^`]*?\.([^`.]+)\.([^`.]+)`", sql)
        if not m:
            return self.err(400, "invalidQuery", "double: no table")
        ds = m.group(1)
        tag = re.match(r"--\s*zoomtrack:(\w+)", sql)
        tag = tag.group(1) if tag else ""
        try:
            res = self.run_query(tag, ds, m.group(2), sql, params)
        except KeyError as e:
            return self.err(404, "notFound", "Not found: Table %s" % e)
        if isinstance(res, str):
            return self.err(400, "invalidQuery", res)
        names, rows = res[0], res[1]
        job = "job_" + secrets.token_hex(6)
        with LOCK:
            S["jobs"][job] = {"rows": rows, "names": names, "polls": 0}
            if len(res) > 2:                   # a DML statement
                S["jobs"][job]["dml"] = res[2]
            if rid:
                S["request_ids"][rid] = {"job": job, "same": same,
                                         "t": time.time()}
            done = S.get("complete_in_query")
            if done:
                S["jobs"][job]["polls"] = 1
        if done:
            # done within timeoutMs: the first page comes with the answer,
            # the rest through getQueryResults and pageToken
            return self.reply(200, self.page(job, S["jobs"][job], 0,
                                             int(d.get("maxResults", 1000)),
                                             "bigquery#queryResponse"))
        self.reply(200, {"kind": "bigquery#queryResponse",
                         "jobReference": self.job_ref(project, job),
                         "jobComplete": False})

    def job_failed(self, r):
        st = {"rateLimitExceeded": 403, "jobRateLimitExceeded": 403,
              "jobBackendError": 400, "jobInternalError": 400}.get(r, 500)
        self.err(st, r, "The job encountered an error during execution. "
                 "Retrying the job may solve the problem.")

    @staticmethod
    def job_ref(project, job):
        return {"projectId": project, "jobId": job,
                "location": S["args"].location}

    def table_rows(self, ds, t):
        with LOCK:
            return list(S["tables"][ds + "." + t]["rows"])

    def run_query(self, tag, ds, table, sql, p):
        """(names, rows as value lists) or an error string"""
        sel = re.search(r"SELECT\s+(?:DISTINCT\s+)?(.*?)\s+FROM", sql, re.S)
        if tag.startswith("ret_"):
            return self.retention_query(tag[4:], ds, table, sql, p)
        if tag == "events":
            rows = self.table_rows(ds, "raw_events")
            day = datetime.date.fromisoformat(p["date"])
            lo, hi = str(day - datetime.timedelta(1)), \
                str(day + datetime.timedelta(1))
            m = p.get("meeting") or ""
            cand = {r["meeting_uuid"] for r in rows
                    if lo <= r["event_date"] <= hi and r.get("meeting_uuid")
                    and (m == "" or r.get("meeting_uuid") == m
                         or r.get("meeting_id") == m)}
            seen, out = set(), []
            for r in sorted(rows, key=lambda r: r.get("inserted_at") or ""):
                if r.get("meeting_uuid") in cand and \
                        r["event_id"] not in seen:
                    seen.add(r["event_id"])
                    out.append(r)
            names = [c.strip() for c in sel.group(1).split(",")]
            return names, [[r.get(n) for n in names] for r in out]
        if tag == "reconciled":
            return self.reconciled(ds, table, sql, p)
        if tag == "camera_status":
            rows = [r for r in self.table_rows(ds, "camera_fetches")
                    if r.get("meeting_uuid") == p["meeting_uuid"]]
            rows.sort(key=lambda r: r.get("fetched_at") or "", reverse=True)
            return ["status"], [[r["status"]] for r in rows[:1]]
        if tag == "camera_minutes":
            rows = {(r["person_key"], int(r["minute_ts"]),
                     int(r["camera_on"]))
                    for r in self.table_rows(ds, "camera_minutes")
                    if r.get("meeting_uuid") == p["meeting_uuid"]}
            return (["person_key", "minute_ts", "camera_on"],
                    [list(t) for t in sorted(rows)])
        if tag == "room_names":
            rows = {(r["room_uuid"], r["name"],
                     "true" if r["meeting"] == p["meeting_uuid"]
                     else "false")
                    for r in self.table_rows(ds, "room_names")
                    if r["meeting"] in (p["meeting_uuid"], p["meeting_id"])}
            return ["room_uuid", "name", "f0_"], [list(t) for t in rows]
        if tag == "preassigned":
            rows = {(r["room_name"], r["email"])
                    for r in self.table_rows(ds, "preassigned_rooms")
                    if r["meeting_id"] == p["meeting_id"]}
            return ["room_name", "email"], [list(t) for t in rows]
        if tag == "replace_report":
            if "BEGIN TRANSACTION" not in sql or "COMMIT" not in sql:
                return "replace_report must be one transaction"
            key = ds + ".daily_reports"
            with LOCK:
                t = S["tables"][key]
                for r in p["rows"]:
                    why = validate_row(t["schema"], r)
                    if why:
                        return why
                m = p.get("meeting") or ""
                t["rows"] = [r for r in t["rows"] if not (
                    r["report_date"] == p["date"] and
                    (m == "" or r.get("meeting_id") == m
                     or r.get("meeting_uuid") == m))]
                t["rows"].extend(p["rows"])
            return [], []
        if tag in CAMERA_TAGS:
            return self.camera_query(tag, ds, sql, p)
        # untagged: SELECT DISTINCT event_id ... WHERE event_date = @date
        rows = self.table_rows(ds, table)
        if "date" in p:
            rows = [r for r in rows if r.get("event_date") == p["date"]]
        names = [c.strip() for c in sel.group(1).split(",")]
        out = []
        seen = set()
        for r in rows:
            v = tuple(r.get(n) for n in names)
            if "DISTINCT" in sql and v in seen:
                continue
            seen.add(v)
            out.append(list(v))
        return names, out

    def reconciled(self, ds, table, sql, p):
        """the (meeting_uuid, person_key) pairs with report_api events in
        the report date's window (+-1 day), each event_id counted once as
        first inserted, as the SQLite backend's reconciled query"""
        why = self.check_params({"date": "DATE", "meeting": "STRING"})
        if why:
            return "reconciled: " + why
        if table != "raw_events" or "source = 'report_api'" not in sql or \
                "PARTITION BY event_id" not in sql:
            return ("reconciled: must read raw_events, deduplicated by "
                    "event_id, where source = 'report_api'")
        try:
            day = datetime.date.fromisoformat(p["date"])
        except (TypeError, ValueError):
            return "reconciled: @date %r is not a DATE" % (p["date"],)
        lo, hi = str(day - datetime.timedelta(1)), \
            str(day + datetime.timedelta(1))
        m = p["meeting"] or ""
        seen, got, out = set(), set(), []
        rows = self.table_rows(ds, "raw_events")
        for r in sorted(rows, key=lambda r: r.get("inserted_at") or ""):
            if r["event_id"] in seen:
                continue
            seen.add(r["event_id"])
            if not (lo <= r["event_date"] <= hi and
                    r.get("source") == "report_api" and
                    (m == "" or r.get("meeting_uuid") == m or
                     r.get("meeting_id") == m)):
                continue
            k = (r.get("meeting_uuid"), r.get("person_key"))
            if k not in got:
                got.add(k)
                out.append(list(k))
        return ["meeting_uuid", "person_key"], out

    # ------------------------------------------------- zoomtrack camera

    def check_params(self, want):
        """None when the query's parameters are exactly want (name: type,
        or name: [(field, type)...] for ARRAY<STRUCT>), else the reason"""
        got = getattr(self, "ptypes", {})
        if sorted(got) != sorted(want):
            return "parameters %s, expected %s" % (sorted(got), sorted(want))
        for name, t in want.items():
            pt = got[name]
            if isinstance(t, str):
                if pt.get("type") != t:
                    return "parameter %s is %s, not %s" % (
                        name, pt.get("type"), t)
                continue
            st = pt.get("arrayType", {}).get("structTypes", [])
            if pt.get("type") != "ARRAY" or \
                    pt.get("arrayType", {}).get("type") != "STRUCT" or \
                    [(f.get("name"), f.get("type", {}).get("type"))
                     for f in st] != t:
                return "parameter %s is not ARRAY<STRUCT%s>" % (name, t)
        return None

    def camera_query(self, tag, ds, sql, p):
        """the statements of zoomtrack camera's BigQuery store"""
        want, run = CAMERA_TAGS[tag]
        why = self.check_params(want)
        if why:
            return "%s: %s" % (tag, why)
        if ("BEGIN TRANSACTION" in sql) != ("COMMIT TRANSACTION" in sql) or \
                (tag in ("camera_replace", "camera_rooms") and
                 "BEGIN TRANSACTION" not in sql):
            return "%s must be one transaction" % tag
        self.cam_sql = sql
        return run(self, ds, p)

    def cam_window(self, ds, p):
        day = datetime.date.fromisoformat(p["date"])
        lo, hi = str(day - datetime.timedelta(1)), \
            str(day + datetime.timedelta(1))
        return lo, hi, [r for r in self.table_rows(ds, "raw_events")]

    def cam_meetings(self, ds, p):
        lo, hi, rows = self.cam_window(ds, p)
        start, end = int(p["start_ms"]), int(p["end_ms"])
        only = p.get("meeting") or ""
        day = {}
        for r in rows:
            if not (lo <= r["event_date"] <= hi and
                    start <= int(r["event_ts"]) < end and
                    r.get("meeting_uuid") and
                    str(r["event_type"]).startswith(("meeting.",
                                                     "webinar.")) and
                    (only == "" or r["meeting_uuid"] == only)):
                continue
            d = day.setdefault(r["meeting_uuid"], [None, None])
            if r.get("meeting_id") is not None and \
                    (d[0] is None or r["meeting_id"] > d[0]):
                d[0] = r["meeting_id"]
            if d[1] is None or int(r["event_ts"]) < d[1]:
                d[1] = int(r["event_ts"])
        # each meeting's facts over its meeting.* (webinar.*) events from
        # D-1 on: last meeting.ended, last start or join, last event,
        # whether it is a webinar; its last 'ok'
        joins = ("meeting.started", "meeting.participant_joined",
                 "meeting.participant_joined_breakout_room",
                 "webinar.started", "webinar.participant_joined")
        facts = {}
        web = {}
        for r in rows:
            u = r.get("meeting_uuid")
            et = str(r["event_type"])
            if u not in day or r["event_date"] < lo or \
                    not et.startswith(("meeting.", "webinar.")):
                continue
            f = facts.setdefault(u, [0, 0, 0])
            ts = int(r["event_ts"])
            if et in ("meeting.ended", "webinar.ended"):
                f[0] = max(f[0], ts)
            if et in joins:
                f[1] = max(f[1], ts)
            f[2] = max(f[2], ts)
            if et.startswith("webinar."):
                web[u] = True
        ok = {}
        for r in self.table_rows(ds, "camera_fetches"):
            if r["status"] == "ok" and r["meeting_uuid"] in day:
                t = datetime.datetime.strptime(
                    r["fetched_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                    tzinfo=datetime.timezone.utc)
                ms = int(t.timestamp() * 1000)
                ok[r["meeting_uuid"]] = max(ok.get(r["meeting_uuid"], 0), ms)
        out = [[u, d[0]] + facts[u] + [ok.get(u, 0)]
               + ["true" if web.get(u) else "false"]
               for u, d in sorted(day.items(),
                                  key=lambda kv: (kv[1][1], kv[0]))]
        return ["meeting_uuid", "meeting_id", "ended", "joined", "last",
                "ok_at", "webinar"], out

    def cam_people(self, ds, p):
        lo, hi, rows = self.cam_window(ds, p)
        cols = ["participant_uuid", "participant_user_id", "parent_user_id",
                "participant_email", "participant_name", "person_key"]
        sel = [r for r in rows if lo <= r["event_date"] <= hi
               and r.get("meeting_uuid") == p["meeting_uuid"]
               and r.get("person_key") not in (None, "")]
        sel.sort(key=lambda r: (r.get("inserted_at") or "", r["event_id"]))
        return cols, [[r.get(c) for c in cols] for r in sel]

    @staticmethod
    def cam_now():
        return datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%S.%fZ")

    def cam_replace(self, ds, p):
        key = ds + ".camera_minutes"
        with LOCK:
            t = S["tables"][key]
            f = S["tables"][ds + ".camera_fetches"]
            # the runs expanded as GENERATE_ARRAY(first_ts, last_ts, 60000)
            if "GENERATE_ARRAY(r.first_ts, r.last_ts, 60000)" \
                    not in self.cam_sql:
                return "camera_replace: runs are not expanded by minute"
            new = [{"meeting_uuid": p["meeting_uuid"],
                    "person_key": r["person_key"], "minute_ts": str(m),
                    "camera_on": r["camera_on"]}
                   for r in p["runs"]
                   for m in range(int(r["first_ts"]), int(r["last_ts"]) + 1,
                                  60000)]
            for r in new:
                why = validate_row(t["schema"], r)
                if why:
                    return why
            row = {"meeting_uuid": p["meeting_uuid"], "status": "ok",
                   "detail": p["detail"], "fetched_at": self.cam_now()}
            why = validate_row(f["schema"], row)
            if why:
                return why
            t["rows"] = [r for r in t["rows"]
                         if r["meeting_uuid"] != p["meeting_uuid"]]
            t["rows"].extend(new)
            f["rows"].append(row)
            count("camera_replace")
        return [], []

    def cam_status(self, ds, p):
        with LOCK:
            f = S["tables"][ds + ".camera_fetches"]
            if p["status"] != "ok" and any(
                    r["meeting_uuid"] == p["meeting_uuid"]
                    and r["status"] == "ok" for r in f["rows"]):
                return [], []
            row = {"meeting_uuid": p["meeting_uuid"], "status": p["status"],
                   "detail": p["detail"], "fetched_at": self.cam_now()}
            why = validate_row(f["schema"], row)
            if why:
                return why
            f["rows"].append(row)
        return [], []

    def cam_rooms(self, ds, p):
        with LOCK:
            t = S["tables"][ds + ".preassigned_rooms"]
            now = self.cam_now()
            seen, new = set(), []
            for s in p["seats"]:
                k = (s.get("room_name"), s.get("email"))
                if k in seen:
                    continue
                seen.add(k)
                r = {"meeting_id": p["meeting_id"], "room_name": k[0],
                     "email": k[1], "fetched_at": now}
                why = validate_row(t["schema"], r)
                if why:
                    return why
                new.append(r)
            t["rows"] = [r for r in t["rows"]
                         if r["meeting_id"] != p["meeting_id"]]
            t["rows"].extend(new)
        return [], []

    def results(self, job, q):
        count("getQueryResults")
        with LOCK:
            j = S["jobs"].get(job)
        loc = S["args"].location
        # a job outside the US and EU multi-regions is only found with
        # its location, as BigQuery's getQueryResults does
        if j is None or (loc not in ("US", "EU")
                         and (q.get("location") or [""])[0] != loc):
            return self.err(404, "notFound", "Not found: Job %s:%s" % (
                S["args"].project, job))
        if "fail" in j:
            # a DONE job's failure, the same on every call: only a new
            # job can succeed
            return self.job_failed(j["fail"])
        j["polls"] += 1
        if j["polls"] == 1:
            return self.reply(200, {"kind": "bigquery#getQueryResultsResponse",
                                    "jobReference": {"jobId": job},
                                    "jobComplete": False})
        start = int((q.get("pageToken") or ["0"])[0])
        size = int((q.get("maxResults") or ["1000"])[0])
        self.reply(200, self.page(job, j, start, size,
                                  "bigquery#getQueryResultsResponse"))

    @staticmethod
    def page(job, j, start, size, kind):
        """a complete job's page from row start, at most size rows"""
        size = min(size, S["args"].page_size)
        page = j["rows"][start:start + size]
        out = {"kind": kind,
               "jobReference": H.job_ref(S["args"].project, job),
               "jobComplete": True,
               "schema": {"fields": [{"name": n, "type": "STRING"}
                                     for n in j["names"]]},
               "totalRows": str(len(j["rows"])),
               "rows": [{"f": [{"v": None if v is None else str(v)}
                              for v in r]} for r in page]}
        if start + size < len(j["rows"]):
            out["pageToken"] = str(start + size)
        if "dml" in j:
            out["numDmlAffectedRows"] = str(j["dml"])
        return out

    # ------------------------------------------- retention (prune, forget)

    # tag: (table, WHERE as zoomtrack sends it, row predicate(r, p, ds))
    RETENTION = {
        "prune_raw": ("raw_events", "event_date < @cutoff",
                      lambda s, r, p, ds: r["event_date"] < p["cutoff"]),
        "prune_camera": ("camera_minutes", "minute_ts < @cutoff_ms",
                         lambda s, r, p, ds:
                         int(r["minute_ts"]) < int(p["cutoff_ms"])),
        "prune_fetches": ("camera_fetches", None,
                          lambda s, r, p, ds: r["meeting_uuid"] not in
                          {x.get("meeting_uuid") for x in
                           s.table_rows(ds, "raw_events")
                           if x["event_date"] >= p["cutoff"]} | {
                              x["meeting_uuid"] for x in
                              s.table_rows(ds, "camera_minutes")
                              if int(x["minute_ts"]) >=
                              int(p["cutoff_ms"])}),
        "prune_reports": ("daily_reports", "report_date < @cutoff",
                          lambda s, r, p, ds:
                          r["report_date"] < p["cutoff"]),
        "forget_raw": ("raw_events", "person_key IN UNNEST(@keys)",
                       lambda s, r, p, ds: r.get("person_key") in p["keys"]),
        "forget_camera": ("camera_minutes", "person_key IN UNNEST(@keys)",
                          lambda s, r, p, ds:
                          r.get("person_key") in p["keys"]),
        "forget_reports": ("daily_reports",
                           "lower(participant_email) IN UNNEST(@emails) OR "
                           "(coalesce(participant_email, '') = '' AND "
                           "participant_name IN UNNEST(@names))",
                           lambda s, r, p, ds:
                           (r.get("participant_email") or "").lower()
                           in p["emails"] or (
                               not r.get("participant_email") and
                               r.get("participant_name") in p["names"])),
        "forget_preassigned": ("preassigned_rooms",
                               "lower(email) IN UNNEST(@emails)",
                               lambda s, r, p, ds:
                               r["email"].lower() in p["emails"]),
    }

    def retention_query(self, what, ds, table, sql, p):
        """prune/forget: SELECT count(*) or DELETE with a known WHERE; a
        DELETE touching a row streamed less than --streaming-buffer-s ago
        fails as BigQuery's does"""
        if what == "lookup":
            rows = self.table_rows(ds, "raw_events")
            out = []
            for r in rows:
                em = (r.get("participant_email") or "").lower()
                if (p["email"] and em == p["email"].lower()) or \
                        (p["name"] and (r.get("participant_name") or "")
                         .lower() == p["name"].lower()) or \
                        (p["pid"] and p["pid"] in (r.get("participant_id"),
                                                  r.get("participant_user_id"))):
                    v = [r.get("person_key"), em or None,
                         r.get("participant_name")]
                    if v not in out:
                        out.append(v)
            return ["person_key", "f0_", "participant_name"], out
        if what == "lookup_linked":
            # the keys sharing a participant_uuid with @keys in a meeting
            if not re.search(r"JOIN `[^`]+\.raw_events` l ON l\.meeting_uuid"
                             r" = s\.meeting_uuid AND l\.participant_uuid ="
                             r" s\.participant_uuid WHERE s\.person_key IN"
                             r" UNNEST\(@keys\) AND s\.participant_uuid != ''"
                             r" AND l\.person_key != s\.person_key", sql):
                return "double: lookup_linked: unexpected SQL"
            rows = self.table_rows(ds, "raw_events")
            out = []
            for s in rows:
                if s.get("person_key") not in p["keys"] or \
                        not s.get("participant_uuid"):
                    continue
                for r in rows:
                    if r.get("meeting_uuid") != s.get("meeting_uuid") or \
                            r.get("participant_uuid") != \
                            s["participant_uuid"] or \
                            r.get("person_key") == s["person_key"]:
                        continue
                    v = [s["person_key"], r.get("person_key"),
                         (r.get("participant_email") or "").lower() or None,
                         r.get("participant_name")]
                    if v not in out:
                        out.append(v)
            return ["person_key", "person_key_1", "f0_",
                    "participant_name"], out
        if what not in self.RETENTION:
            return "double: unknown retention query " + what
        want, cond, pred = self.RETENTION[what]
        m = re.fullmatch(r"--\s*zoomtrack:\w+\n(SELECT count\(\*\)|DELETE)"
                         r" FROM `[^`]+` WHERE (.*)", sql, re.S)
        if table != want or not m:
            return "double: %s must be SELECT count(*)/DELETE FROM %s" % (
                what, want)
        if cond and m.group(2) != cond:
            return "double: %s: unexpected WHERE %s" % (what, m.group(2))
        if not cond and not re.fullmatch(
                r"meeting_uuid NOT IN \(SELECT meeting_uuid FROM `[^`]+"
                r"\.raw_events` WHERE meeting_uuid IS NOT NULL AND "
                r"event_date >= @cutoff\) AND meeting_uuid NOT IN \(SELECT "
                r"meeting_uuid FROM `[^`]+\.camera_minutes` WHERE "
                r"minute_ts >= @cutoff_ms\)", m.group(2)):
            return "double: %s: unexpected WHERE %s" % (what, m.group(2))
        key = ds + "." + table
        with LOCK:
            t = S["tables"][key]
            hit = [r for r in t["rows"] if pred(self, r, p, ds)]
            if m.group(1) != "DELETE":
                return ["f0_"], [[len(hit)]]
            now, buf = time.time(), S["args"].streaming_buffer_s
            if any(now - S["streamed"].get(id(r), 0) < buf for r in hit):
                count("dml_streaming_refused")
                return ("UPDATE or DELETE statement over table %s.%s would "
                        "affect rows in the streaming buffer, which is not "
                        "supported" % (S["args"].project, key))
            ids = {id(r) for r in hit}
            t["rows"] = [r for r in t["rows"] if id(r) not in ids]
            count("dml_deleted")
            return [], [], len(hit)


# zoomtrack camera's statements: tag -> (parameters, handler)
CAMERA_TAGS = {
    "camera_meetings": ({"date": "DATE", "start_ms": "INT64",
                         "end_ms": "INT64",
                         "meeting": "STRING"}, H.cam_meetings),
    "camera_people": ({"date": "DATE", "meeting_uuid": "STRING"},
                      H.cam_people),
    "camera_replace": ({"meeting_uuid": "STRING", "detail": "STRING",
                        "runs": [("person_key", "STRING"),
                                 ("first_ts", "INT64"),
                                 ("last_ts", "INT64"),
                                 ("camera_on", "INT64")]}, H.cam_replace),
    "camera_status_set": ({"meeting_uuid": "STRING", "status": "STRING",
                           "detail": "STRING"}, H.cam_status),
    "camera_rooms": ({"meeting_id": "STRING",
                      "seats": [("room_name", "STRING"),
                                ("email", "STRING")]}, H.cam_rooms),
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--key-n", default="1")
    p.add_argument("--key-e", type=int, default=65537)
    p.add_argument("--iss", default="zt-test@zt-proj.iam.gserviceaccount.com")
    p.add_argument("--project", default="zt-proj")
    p.add_argument("--expires-in", type=int, default=3600)
    p.add_argument("--page-size", type=int, default=1000)
    p.add_argument("--location", default="europe-west2",
                   help="the dataset's location; outside US and EU a job "
                        "is found only with it")
    p.add_argument("--gcs-upstream", default="")
    p.add_argument("--gcs-auth", action="store_true")
    p.add_argument("--gcs-roles", default="",
                   help="the service account's roles on buckets, e.g. "
                        "objectCreator,objectViewer (default: all)")
    p.add_argument("--no-dedup", action="store_true",
                   help="store every row, as after insertId's window")
    p.add_argument("--streaming-buffer-s", type=float, default=0,
                   help="DML refuses rows insertAll wrote less than this "
                        "many seconds ago, as BigQuery's streaming buffer")
    p.add_argument("--gcs-max-results", type=int, default=0,
                   help="caps GCS list pages at this many entries")
    p.add_argument("--log", default="")
    a = p.parse_args()
    S["args"] = a
    if a.log:
        S["log"] = open(a.log, "a")
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), H)
    srv.daemon_threads = True
    print("google double on 127.0.0.1:%d" % a.port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
