"""A throw-away PostgreSQL for the compatibility tests on PostgreSQL (LATCHKEY_COMPAT_DB=postgres).

`initdb` and `pg_ctl` in a temporary directory, listening on 127.0.0.1 only (its unix socket in
that directory) on a free port, with a login role and a database it owns, as an operator would
set them up for latchkey; stopped and deleted when the tests end. The binaries are looked for in
LATCHKEY_PG_BIN, on PATH, then under /usr/lib/postgresql/<version>/bin (Debian's `postgresql`
package). As root the server runs as the package's `postgres` user: PostgreSQL refuses root.
"""

import os
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

USER = "latchkey"
PASSWORD = "compat-secret"
DATABASE = "latchkey"


def find_bin_dir() -> Path:
    def has_tools(d: Path) -> bool:
        return (d / "initdb").is_file() and (d / "pg_ctl").is_file()

    if os.environ.get("LATCHKEY_PG_BIN"):
        return Path(os.environ["LATCHKEY_PG_BIN"])
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if entry and has_tools(Path(entry)):
            # PATH may hold links to the tools: psql is beside the real ones.
            return (Path(entry) / "initdb").resolve().parent
    versions = sorted(
        (int(d.name), d / "bin")
        for d in Path("/usr/lib/postgresql").glob("*")
        if d.name.isdigit() and has_tools(d / "bin")
    )
    if not versions:
        raise RuntimeError(
            "PostgreSQL's initdb and pg_ctl were not found (LATCHKEY_PG_BIN, PATH, "
            "/usr/lib/postgresql/*/bin): install Debian's `postgresql` package"
        )
    return versions[-1][1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def cluster():
    """Yields the `--db*` flags of latchkey for a fresh database of a new cluster."""
    bin_dir = find_bin_dir()
    as_postgres = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_postgres else []
    # Not under pytest's temporary directory: its parents are closed to the postgres user.
    directory = Path(tempfile.mkdtemp(prefix="latchkey-compat-pg-"))
    if as_postgres:
        shutil.chown(directory, "postgres", "postgres")
    data, log = directory / "data", directory / "server.log"

    def run(*args: str) -> None:
        done = subprocess.run([*prefix, *args], capture_output=True, text=True)
        if done.returncode != 0:
            server_log = log.read_text() if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed:\n{done.stdout}{done.stderr}{server_log}")

    port = free_port()
    try:
        run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
            "--no-locale", "--encoding=UTF8", "--no-sync")
        options = (f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off")
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o", options, "start")
        psql = [str(bin_dir / "psql"), "-h", str(directory), "-p", str(port), "-U", "postgres",
                "-v", "ON_ERROR_STOP=1", "-d", "postgres"]
        run(*psql, "-c", f"CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'")
        run(*psql, "-c", f"CREATE DATABASE {DATABASE} OWNER {USER}")
        yield [
            "--db", "postgres",
            "--db-url", f"jdbc:postgresql://127.0.0.1:{port}/{DATABASE}",
            "--db-username", USER,
            "--db-password", PASSWORD,
        ]
    finally:
        if data.exists():
            subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                            "stop"], capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)
