"""Starts a real latchkey binary for the python-keycloak compatibility tests."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def base_url():
    binary = os.environ.get("LATCHKEY_BIN", str(REPO / "target" / "debug" / "latchkey"))
    work = Path(tempfile.mkdtemp(prefix="latchkey-compat-"))
    imports = work / "import"
    imports.mkdir()
    shutil.copy(REPO / "examples" / "nagra-realm.json", imports)
    shutil.copy(REPO / "compat" / "fixtures" / "compat-realm.json", imports)
    port = free_port()
    env = dict(os.environ, LATCHKEY_BOOTSTRAP_ADMIN_USERNAME="admin", LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD="admin")
    process = subprocess.Popen(
        [binary, "start-dev", "--http-port", str(port), "--data-dir", str(work / "data"),
         "--import-realm", "--import-dir", str(imports)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/keycloak/auth"
    deadline = time.time() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/health/ready", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None:
            raise RuntimeError("latchkey exited before it was ready")
        if time.time() > deadline:
            process.kill()
            raise RuntimeError("latchkey did not become ready in 60 s")
        time.sleep(0.05)
    yield base + "/"
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    shutil.rmtree(work, ignore_errors=True)
