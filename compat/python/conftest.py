"""Starts the real latchkey binary once for the python-keycloak compatibility tests.

The binary is taken from `LATCHKEY_BIN` (default `<repo>/target/debug/latchkey`); nothing is
built here (compat/run.sh builds it). The server imports two realms: the example realm
`nagra` (examples/nagra-realm.json) and `compat` (compat/fixtures/compat-realm.json), which
adds confidential clients for introspection and client credentials.

With LATCHKEY_COMPAT_DB=postgres, latchkey runs on a fresh database of a throw-away PostgreSQL
(`pg_cluster.py`), started with Keycloak's `--db` options; otherwise on its embedded SQLite.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

import pg_cluster

REPO = Path(__file__).resolve().parents[2]
READY_TIMEOUT_SECS = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_ready(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECS
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        if process.poll() is not None:
            raise RuntimeError(
                f"latchkey exited with {process.returncode} before it was ready:\n{log.read_text()}"
            )
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"latchkey was not ready within {READY_TIMEOUT_SECS} s:\n{log.read_text()}"
            )
        time.sleep(0.05)


@contextmanager
def database_flags():
    """latchkey's database options: none for SQLite, a throw-away PostgreSQL's with
    LATCHKEY_COMPAT_DB=postgres."""
    engine = os.environ.get("LATCHKEY_COMPAT_DB", "sqlite")
    if engine == "sqlite":
        yield []
    elif engine == "postgres":
        with pg_cluster.cluster() as flags:
            yield flags
    else:
        raise RuntimeError(f"LATCHKEY_COMPAT_DB={engine}: expected sqlite or postgres")


@pytest.fixture(scope="session")
def base_url(tmp_path_factory):
    """`http://127.0.0.1:<port>/keycloak/auth/`, with the trailing slash python-keycloak needs:
    it joins `realms/<realm>/...` to `server_url` with `urllib.parse.urljoin`, which drops the
    last path segment (`auth`) when there is no trailing slash."""
    binary = Path(os.environ.get("LATCHKEY_BIN", REPO / "target" / "debug" / "latchkey"))
    if not binary.is_file():
        pytest.exit(f"latchkey binary not found at {binary}; run `cargo build -p latchkey`", 2)
    work = tmp_path_factory.mktemp("latchkey")
    imports = work / "import"
    imports.mkdir()
    shutil.copy(REPO / "examples" / "nagra-realm.json", imports)
    shutil.copy(REPO / "compat" / "fixtures" / "compat-realm.json", imports)
    port = free_port()
    env = dict(
        os.environ,
        LATCHKEY_BOOTSTRAP_ADMIN_USERNAME="admin",
        LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD="admin",
    )
    with database_flags() as flags:
        log = work / "latchkey.log"
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                [
                    str(binary), "start-dev",
                    "--http-port", str(port),
                    "--data-dir", str(work / "data"),
                    "--import-realm", "--import-dir", str(imports),
                    *flags,
                ],
                env=env, stdout=log_file, stderr=subprocess.STDOUT,
            )
        base = f"http://127.0.0.1:{port}/keycloak/auth"
        try:
            wait_until_ready(process, base + "/health/ready", log)
            yield base + "/"
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def admin(base_url):
    """python-keycloak's KeycloakAdmin signed in as master's bootstrap admin."""
    from keycloak import KeycloakAdmin, KeycloakOpenIDConnection

    connection = KeycloakOpenIDConnection(
        server_url=base_url,
        username="admin",
        password="admin",
        realm_name="master",
        user_realm_name="master",
        client_id="admin-cli",
    )
    return KeycloakAdmin(connection=connection)
