#!/usr/bin/env python3
"""Load and faults: latchkey and its gateway under steady traffic while things break.

    python3 scripts/soak.py [--duration 600] [--binary target/release/latchkey]

Starts the release binary on a fresh SQLite database in a temporary directory, with the
example realm, the gateway in front of a small upstream, and drives at fixed rates:
password logins, refreshes of the sessions obtained, Admin API writes (new users with a
password, attribute changes) and requests through the gateway. Faults are injected on a
timeline: `kill -9` of the server (restarted at once), a full disk for the data
directory (a small tmpfs filled to the last byte, then freed; needs root, skipped and
said otherwise), the gateway's upstream going away and coming back, and a second kill.

At the end it checks, with the server restarted cleanly, that every write that was
acknowledged is still there: each user created (2xx) exists and logs in with its
password, each acknowledged attribute change holds (or a later unacknowledged one), each
session whose login or refresh was answered 200 still refreshes. It prints requests
answered and errors by kind, inside and outside fault windows, and exits non-zero when
an acknowledged write was lost, the server panicked, or an error other than a refused
connection occurred outside the fault windows.

Only loopback, only processes it starts; bounded by --duration. Python's standard
library only.
"""

import argparse
import atexit
import collections
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REALM = "nagra"
# A fault window stays open this long after the fault ends (the restart, the disk freed,
# the upstream back): requests answered meanwhile count as answered during the fault.
SETTLE_SECONDS = 3.0
TMPFS_BYTES = 256 * 1024 * 1024


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Answer:
    """An HTTP answer, or the connection error that stood for one."""

    def __init__(self, status, body=b"", error=None):
        self.status, self.body, self.error = status, body, error

    def json(self):
        return json.loads(self.body or b"null")

    @property
    def kind(self):
        return self.error or str(self.status)


def request(method, url, form=None, body=None, token=None, timeout=10):
    headers = {}
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return Answer(res.status, res.read())
    except urllib.error.HTTPError as e:
        return Answer(e.code, e.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError, socket.timeout) as e:
        reason = getattr(e, "reason", e)
        return Answer(None, error=f"connection: {type(reason).__name__}")


class Upstream:
    """The API behind the gateway: answers 200 to anything; can be stopped and restarted."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = b'{"ok":true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    def __init__(self, port):
        self.port = port
        self.server = None

    def start(self):
        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self.Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


class Server:
    """The latchkey process: started, killed with SIGKILL, restarted on the same data."""

    def __init__(self, binary, workdir, port):
        self.binary, self.workdir, self.port = binary, workdir, port
        self.base = f"http://127.0.0.1:{port}/keycloak/auth"
        self.proc = None
        self.log = open(os.path.join(workdir, "server.log"), "ab")

    def start(self, first=False):
        args = [self.binary, "start-dev", "--http-port", str(self.port), "--log-level", "warn"]
        if first:
            args += ["--import-realm", "--import-dir", os.path.join(ROOT, "examples")]
        env = dict(
            os.environ,
            LATCHKEY_BOOTSTRAP_ADMIN_USERNAME="admin",
            LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD="admin",
        )
        self.proc = subprocess.Popen(
            args, cwd=self.workdir, env=env, stdout=self.log, stderr=self.log
        )
        self.wait_ready()

    def wait_ready(self, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"soak: latchkey exited with {self.proc.returncode} at start")
            if request("GET", f"{self.base}/realms/{REALM}", timeout=2).status == 200:
                return
            time.sleep(0.05)
        raise SystemExit("soak: latchkey did not become ready")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


class Ledger:
    """Every request's outcome, and every write that was acknowledged."""

    def __init__(self):
        self.lock = threading.Lock()
        self.outcomes = collections.Counter()  # (op, in_fault, kind)
        self.fault_windows = []  # [start, end] in monotonic seconds
        self.users = {}  # username -> password, created with a 2xx
        self.maybe_users = set()  # created without an answer (a kill in flight)
        self.attributes = {}  # username -> (acknowledged value, later unacknowledged values)
        self.sessions = {}  # session number -> latest refresh token answered 200
        self.sessions_maybe = {}  # session number -> refresh tokens sent without an answer

    def in_fault(self, started, ended):
        """Whether a request that ran from `started` to `ended` overlapped a fault."""
        return any(start <= ended and started <= end + SETTLE_SECONDS for start, end in self.fault_windows)

    def record(self, op, answer, started):
        ended = time.monotonic()
        with self.lock:
            self.outcomes[(op, self.in_fault(started, ended), answer.kind)] += 1

    def open_fault(self):
        with self.lock:
            self.fault_windows.append([time.monotonic(), float("inf")])

    def close_fault(self):
        with self.lock:
            self.fault_windows[-1][1] = time.monotonic()


class Load:
    def __init__(self, server, gateway_base, ledger, rates):
        self.server, self.gateway_base, self.ledger, self.rates = server, gateway_base, ledger, rates
        self.stop = threading.Event()
        self.admin_token = None
        self.admin_token_at = 0.0
        self.access_token = None
        self.counter = 0
        self.lock = threading.Lock()

    def token_url(self, realm):
        return f"{self.server.base}/realms/{realm}/protocol/openid-connect/token"

    def admin(self):
        if self.admin_token is None or time.monotonic() - self.admin_token_at > 30:
            answer = request(
                "POST",
                self.token_url("master"),
                form={"grant_type": "password", "client_id": "admin-cli", "username": "admin", "password": "admin"},
            )
            if answer.status == 200:
                self.admin_token = answer.json()["access_token"]
                self.admin_token_at = time.monotonic()
        return self.admin_token

    def next_number(self):
        with self.lock:
            self.counter += 1
            return self.counter

    def login(self):
        started = time.monotonic()
        answer = request(
            "POST",
            self.token_url(REALM),
            form={"grant_type": "password", "client_id": "crm_client", "username": "crm_client_user", "password": "1234"},
        )
        self.ledger.record("login", answer, started)
        if answer.status == 200:
            body = answer.json()
            self.access_token = body["access_token"]
            with self.ledger.lock:
                self.ledger.sessions[self.next_number()] = body["refresh_token"]

    def refresh(self):
        with self.ledger.lock:
            if not self.ledger.sessions:
                return
            number = random.choice(list(self.ledger.sessions))
            token = self.ledger.sessions[number]
        started = time.monotonic()
        answer = request(
            "POST",
            self.token_url(REALM),
            form={"grant_type": "refresh_token", "client_id": "crm_client", "refresh_token": token},
        )
        self.ledger.record("refresh", answer, started)
        with self.ledger.lock:
            if answer.status == 200:
                self.ledger.sessions[number] = answer.json()["refresh_token"]
                self.access_token = answer.json()["access_token"]

    def admin_write(self):
        token = self.admin()
        if token is None:
            self.ledger.record("admin", Answer(None, error="connection: no admin token"), time.monotonic())
            return
        users = f"{self.server.base}/admin/realms/{REALM}/users"
        with self.ledger.lock:
            known = list(self.ledger.users)
        if known and random.random() < 0.5:
            username = random.choice(known)
            value = f"v{self.next_number()}"
            lookup = request("GET", f"{users}?username={username}&exact=true", token=token)
            if lookup.status != 200 or not lookup.json():
                self.ledger.record("admin", lookup, time.monotonic())
                return
            user = lookup.json()[0]
            started = time.monotonic()
            answer = request(
                "PUT",
                f"{users}/{user['id']}",
                body={"attributes": {"soak": [value]}},
                token=token,
            )
            self.ledger.record("admin", answer, started)
            with self.ledger.lock:
                acknowledged, pending = self.ledger.attributes.get(username, (None, []))
                if answer.status is not None and 200 <= answer.status < 300:
                    self.ledger.attributes[username] = (value, [])
                elif answer.status is None:
                    self.ledger.attributes[username] = (acknowledged, pending + [value])
            return
        username = f"soak-{self.next_number()}"
        password = f"pw-{random.getrandbits(64):x}"
        started = time.monotonic()
        answer = request(
            "POST",
            users,
            body={
                "username": username,
                "enabled": True,
                "credentials": [{"type": "password", "value": password, "temporary": False}],
            },
            token=token,
        )
        self.ledger.record("admin", answer, started)
        with self.ledger.lock:
            if answer.status == 201:
                self.ledger.users[username] = password
            elif answer.status is None:
                self.ledger.maybe_users.add(username)

    def gateway(self):
        token = self.access_token
        if token is None:
            return
        started = time.monotonic()
        answer = request("GET", f"{self.gateway_base}/operator/items", token=token)
        self.ledger.record("gateway", answer, started)

    def run_op(self, op, rate):
        period = 1.0 / rate
        next_at = time.monotonic()
        while not self.stop.is_set():
            op()
            next_at += period
            pause = next_at - time.monotonic()
            if pause > 0:
                self.stop.wait(pause)
            else:
                next_at = time.monotonic()

    def start(self):
        ops = {"login": self.login, "refresh": self.refresh, "admin": self.admin_write, "gateway": self.gateway}
        threads = []
        for name, rate in self.rates.items():
            for _ in range(max(1, int(rate // 25))):
                per_thread = rate / max(1, int(rate // 25))
                t = threading.Thread(target=self.run_op, args=(ops[name], per_thread), daemon=True)
                t.start()
                threads.append(t)
        return threads


class Disk:
    """A tmpfs under the data directory, so that a full disk can be made and undone."""

    def __init__(self, path):
        self.path = path
        self.mounted = False
        self.filler = os.path.join(path, "soak-filler")

    def mount(self):
        if os.geteuid() != 0 or shutil.which("mount") is None:
            return False
        os.makedirs(self.path, exist_ok=True)
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES}", "soak", self.path],
            capture_output=True,
        )
        self.mounted = result.returncode == 0
        return self.mounted

    def fill(self):
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            for size in (1 << 20, 4096, 1):
                chunk = b"\0" * size
                try:
                    while True:
                        os.write(fd, chunk)
                except OSError:
                    pass
        finally:
            os.close(fd)

    def free(self):
        try:
            os.remove(self.filler)
        except FileNotFoundError:
            pass

    def unmount(self):
        if self.mounted:
            subprocess.run(["umount", "-l", self.path], capture_output=True)
            self.mounted = False


def write_gateway_config(path, listen_port, issuer, upstream_port):
    with open(path, "w") as f:
        f.write(
            f'listen = "127.0.0.1:{listen_port}"\n'
            f'realm = "{REALM}"\n'
            f'issuers = ["{issuer}"]\n'
            'required_audience = "opentv-api"\n'
            "jwks_refresh_floor_seconds = 1\n"
            "upstream_timeout_ms = 5000\n\n"
            "[[routes]]\n"
            'prefix = "/operator/"\n'
            f'upstream = "http://127.0.0.1:{upstream_port}"\n'
            'any_of = ["operatorRole"]\n'
        )


def verify(server, ledger):
    """Every acknowledged write, read back after a clean restart."""
    lost = []
    load = Load(server, None, ledger, {})
    token = load.admin()
    users = f"{server.base}/admin/realms/{REALM}/users"
    for username, password in sorted(ledger.users.items()):
        found = request("GET", f"{users}?username={username}&exact=true", token=token)
        if found.status != 200 or not found.json():
            lost.append(f"user {username}: not found ({found.kind})")
            continue
        login = request(
            "POST",
            load.token_url(REALM),
            form={"grant_type": "password", "client_id": "crm_client", "username": username, "password": password},
        )
        if login.status != 200:
            lost.append(f"user {username}: its password does not log in ({login.kind} {login.body[:120]!r})")
        acknowledged, pending = ledger.attributes.get(username, (None, []))
        if acknowledged is not None:
            value = (found.json()[0].get("attributes") or {}).get("soak", [None])[0]
            if value not in [acknowledged, *pending]:
                lost.append(f"user {username}: attribute soak is {value!r}, acknowledged {acknowledged!r}")
    for number, refresh_token in sorted(ledger.sessions.items()):
        answer = request(
            "POST",
            load.token_url(REALM),
            form={"grant_type": "refresh_token", "client_id": "crm_client", "refresh_token": refresh_token},
        )
        if answer.status != 200:
            lost.append(f"session {number}: its latest refresh token is refused ({answer.kind} {answer.body[:120]!r})")
    return lost


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600, help="seconds of load (default 600)")
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "latchkey"))
    parser.add_argument("--login-rate", type=float, default=10)
    parser.add_argument("--refresh-rate", type=float, default=50)
    parser.add_argument("--admin-rate", type=float, default=5)
    parser.add_argument("--gateway-rate", type=float, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)
    if not os.access(args.binary, os.X_OK):
        raise SystemExit(f"soak: no binary at {args.binary}: cargo build --release -p latchkey")

    workdir = tempfile.mkdtemp(prefix="latchkey-soak-")
    disk = Disk(os.path.join(workdir, "data"))
    has_disk_fault = disk.mount()
    atexit.register(disk.unmount)
    server = Server(args.binary, workdir, free_port())
    upstream = Upstream(free_port())
    gateway_port = free_port()
    gateway_config = os.path.join(workdir, "gateway.toml")
    write_gateway_config(gateway_config, gateway_port, f"{server.base}/realms/{REALM}", upstream.port)
    gateway_log = open(os.path.join(workdir, "gateway.log"), "ab")
    gateway = None
    ledger = Ledger()
    timeline = []
    try:
        server.start(first=True)
        upstream.start()
        gateway = subprocess.Popen(
            [args.binary, "gateway", "--config", gateway_config, "--log-level", "warn"],
            stdout=gateway_log,
            stderr=gateway_log,
        )
        rates = {"login": args.login_rate, "refresh": args.refresh_rate, "admin": args.admin_rate, "gateway": args.gateway_rate}
        load = Load(server, f"http://127.0.0.1:{gateway_port}", ledger, rates)
        began = time.monotonic()
        load.start()

        def at(fraction):
            pause = began + fraction * args.duration - time.monotonic()
            if pause > 0:
                time.sleep(pause)

        def note(text):
            timeline.append(f"{time.monotonic() - began:7.1f}s  {text}")
            print(f"soak: {timeline[-1]}", flush=True)

        note(f"load started: {rates} requests/s")
        at(0.2)
        ledger.open_fault()
        note("kill -9 of the server")
        server.kill()
        server.start()
        ledger.close_fault()
        note("server restarted and ready")
        at(0.4)
        if has_disk_fault:
            ledger.open_fault()
            disk.fill()
            note("data directory's disk full")
            time.sleep(min(10, args.duration * 0.05))
            disk.free()
            ledger.close_fault()
            note("disk space back")
        else:
            note("full-disk fault SKIPPED: needs root to mount a tmpfs")
        at(0.6)
        ledger.open_fault()
        upstream.stop()
        note("gateway's upstream gone")
        time.sleep(min(10, args.duration * 0.05))
        upstream.start()
        ledger.close_fault()
        note("upstream back")
        at(0.8)
        ledger.open_fault()
        note("kill -9 of the server")
        server.kill()
        server.start()
        ledger.close_fault()
        note("server restarted and ready")
        at(1.0)
        load.stop.set()
        time.sleep(1)
        note("load stopped; clean restart, then every acknowledged write read back")
        server.stop()
        server.start()
        lost = verify(server, ledger)
    finally:
        if gateway:
            gateway.terminate()
            gateway.wait()
        server.stop()
        upstream.stop()

    log = open(os.path.join(workdir, "server.log"), "rb").read() + open(os.path.join(workdir, "gateway.log"), "rb").read()
    panics = log.count(b"panicked")
    print("\nsoak: answers by operation, outside / inside fault windows")
    print(f"{'operation':10} {'window':7} {'answer':34} {'count':>8}")
    unexpected = 0
    for (op, in_fault, kind), count in sorted(ledger.outcomes.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
        window = "fault" if in_fault else "steady"
        print(f"{op:10} {window:7} {kind:34} {count:8}")
        if not in_fault and not kind.startswith("2"):
            unexpected += count
    total = sum(ledger.outcomes.values())
    print(f"\nsoak: {total} requests in {args.duration:.0f} s; users created {len(ledger.users)} "
          f"(+{len(ledger.maybe_users)} unanswered), sessions {len(ledger.sessions)}, "
          f"attribute changes acknowledged {sum(1 for v in ledger.attributes.values() if v[0])}")
    print(f"soak: acknowledged writes lost: {len(lost)}")
    for line in lost[:20]:
        print(f"  {line}")
    print(f"soak: non-2xx answers outside fault windows: {unexpected}; panics in the logs: {panics}")
    disk.unmount()
    if args.keep:
        print(f"soak: kept {workdir} (the logs; the data directory was a tmpfs)")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    if lost or panics or unexpected:
        sys.exit(1)


if __name__ == "__main__":
    main()
