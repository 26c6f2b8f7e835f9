"""Property-based tests of the Admin REST API against its own OpenAPI document, with
schemathesis (not latchkey's code): it reads `{base}/admin/openapi.json`, generates valid
and invalid requests for every operation (examples, coverage, fuzzing) and chains
operations through the document's links (stateful), and fails on any 5xx, any status the
document does not list, any answer that breaks its schema, any schema-violating request
accepted and any schema-valid request refused.

It starts its own latchkey (a fresh data directory, realm `nagra` imported), makes the
throw-away realm `st-throw` (a user, a confidential client with a service account, a
realm role, a client role) and pins every `{realm}` to it, with master's admin token.
`PUT /admin/realms/{realm}` runs without a new `realm` name (a rename would move the
run's realm away); `DELETE /admin/realms/{realm}` runs at the end, alone, on a realm of
its own. Everything else runs, DELETE operations included.

    compat/schemathesis/run.py [--seconds N] [--examples N] [--seed N] [--workers N]
                               [--phases examples,coverage,fuzzing,stateful]

`--phases` (default `examples,coverage`, or `SCHEMATHESIS_PHASES`): the examples and
coverage phases derive their cases from the document (every boundary, every required
field left out, every type broken), the same cases on every run. The fuzzing and stateful
phases draw random cases (from the fixed `--seed`) and chain operations through the
document's links for as long as `--seconds` allows; compat/run.sh runs both kinds, the
second for 120 s (`SCHEMATHESIS_FUZZ_SECONDS`). What a longer run finds is fixed, or
recorded below as a rule the document cannot state.

`--seconds` (default 90, or `SCHEMATHESIS_SECONDS`) bounds the main run and `--examples`
(default 25, or `SCHEMATHESIS_EXAMPLES`) the cases per operation and phase; compat/run.sh
runs the defaults, `SCHEMATHESIS_SECONDS=1800 SCHEMATHESIS_EXAMPLES=1000 compat/run.sh`
a long one. It prints the cases run and the failures found, and exits 1 on any failure.
Schemathesis's own errors (an exception inside Hypothesis) are printed, not counted.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
REALM = "st-throw"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(method, url, token=None, body=None, form=None):
    data, headers = None, {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            return response.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def admin_token(base):
    status, body = call("POST", f"{base}/realms/master/protocol/openid-connect/token", form={
        "grant_type": "password", "client_id": "admin-cli",
        "username": "admin", "password": "admin"})
    assert status == 200, body
    return body["access_token"]


def make_realm(base, token, name):
    admin = f"{base}/admin/realms"
    status, body = call("POST", admin, token, {
        "realm": name,
        "enabled": True,
        "roles": {"realm": [{"name": "st-role"}], "client": {"st-client": [{"name": "st-client-role"}]}},
        "clients": [{"clientId": "st-client", "secret": "st-secret", "serviceAccountsEnabled": True,
                     "directAccessGrantsEnabled": True}],
        "users": [{"username": "st-user", "enabled": True, "email": "st@example.com",
                   "credentials": [{"type": "password", "value": "st-password"}],
                   "realmRoles": ["st-role"]}],
    })
    assert status == 201, (status, body)
    # A session, so that the session listings have something to list.
    status, body = call("POST", f"{base}/realms/{name}/protocol/openid-connect/token", form={
        "grant_type": "password", "client_id": "st-client", "client_secret": "st-secret",
        "username": "st-user", "password": "st-password"})
    assert status == 200, body


def start(binary, work):
    imports = work / "import"
    imports.mkdir()
    shutil.copy(REPO / "examples" / "nagra-realm.json", imports)
    port = free_port()
    env = dict(os.environ, LATCHKEY_BOOTSTRAP_ADMIN_USERNAME="admin",
               LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD="admin")
    log = (work / "latchkey.log").open("wb")
    process = subprocess.Popen(
        [str(binary), "start-dev", "--http-port", str(port), "--data-dir", str(work / "data"),
         "--import-realm", "--import-dir", str(imports), "--log-level", "warn"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/keycloak/auth"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/health/ready", timeout=1) as response:
                if response.status == 200:
                    return process, base
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError((work / "latchkey.log").read_text())
        time.sleep(0.05)


def schemathesis(args, base, token, realm, extra, report_dir, seconds):
    config = report_dir / f"{realm}.toml"
    # A client without a service account answers 400 to `service-account-user` whatever
    # the request (Keycloak's `ClientResource.getServiceAccountUser`, documented): the
    # state of the client, not the request's data, decides.
    config.write_text(f"""[parameters]
"path.realm" = "{realm}"

[[operations]]
include-name = "GET /admin/realms/{{realm}}/clients/{{id}}/service-account-user"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404"]

# A key provider's settings are valid or not by provider (an algorithm, key size, curve
# or secret size that provider takes; an imported PEM key that reads), a rule across
# fields the document does not state: its 400s are Keycloak's texts, checked by the Rust
# tests (`tests/api/algorithms.rs`).
[[operations]]
include-name = "POST /admin/realms/{{realm}}/components"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409"]

[[operations]]
include-name = "PUT /admin/realms/{{realm}}/components/{{id}}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409"]

# A group body with an `id` moves that group (Keycloak's `GroupResource.addChild`,
# `GroupsResource.addTopLevelGroup`); without one it creates a group and needs a name.
# Which of the two a body is depends on the groups that exist: its 400s are checked by
# the Rust tests (`tests/api/admin_groups.rs`).
[[operations]]
include-name = "POST /admin/realms/{{realm}}/groups"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409"]

[[operations]]
include-name = "POST /admin/realms/{{realm}}/groups/{{id}}/children"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409"]

# The events configuration takes only the listeners latchkey has (`jboss-logging`;
# Keycloak: 400 "Unknown event listener") and no negative expiration. The document cannot
# narrow `eventsListeners` to that one name: the same representation is what a GET answers,
# and a realm file may carry any listener name, kept as it came. The Rust tests check
# both 400s (`tests/api/events.rs`).
[[operations]]
include-name = "PUT /admin/realms/{{realm}}/events/config"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404"]

# A client scope's name is a scope token of at most 255 bytes and its protocol one
# Keycloak knows ("Unexpected name …", "Unexpected protocol"), and a name may be taken;
# a scope's mapper names are unique and a new mapper needs a type Keycloak knows; a scope
# is a realm default once; a mapper's name and type cannot change. Rules on values and on
# what exists, beyond the document: the Rust tests check each answer
# (`tests/api/admin_client_scopes.rs`, `admin_protocol_mappers.rs`).
[[operations]]
include-name = "POST /admin/realms/{{realm}}/client-scopes"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409"]

[[operations]]
include-name = "PUT /admin/realms/{{realm}}/client-scopes/{{id}}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409"]

[[operations]]
include-name = "PUT /admin/realms/{{realm}}/default-default-client-scopes/{{id}}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409"]

[[operations]]
include-name = "PUT /admin/realms/{{realm}}/default-optional-client-scopes/{{id}}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409"]

[[operations]]
include-name = "POST /admin/realms/{{realm}}/clients/{{id}}/protocol-mappers/models"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409"]

[[operations]]
include-name = "POST /admin/realms/{{realm}}/clients/{{id}}/protocol-mappers/add-models"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409"]

[[operations]]
include-name = "PUT /admin/realms/{{realm}}/clients/{{id}}/protocol-mappers/models/{{mapper}}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409"]

[[operations]]
include-name = "POST /admin/realms/{{realm}}/client-scopes/{{id}}/protocol-mappers/models"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409"]

[[operations]]
include-name = "POST /admin/realms/{{realm}}/client-scopes/{{id}}/protocol-mappers/add-models"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409"]

[[operations]]
include-name = "PUT /admin/realms/{{realm}}/client-scopes/{{id}}/protocol-mappers/models/{{mapper}}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409"]

# A new realm's file refers to its own client scopes by name (realm default and optional
# scopes, a client's scopes): a name that resolves to none is refused with a 400 naming it
# (Keycloak 26.7.3 drops it silently, `facts-types/types6.py`; latchkey loses nothing
# without saying so). A rule across fields the document does not state; the Rust tests
# check it (`representation/tests/client_scopes.rs`).
[[operations]]
include-name = "POST /admin/realms"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409"]

# A new user's `groups` are paths of groups that must exist: another one is Keycloak's
# 400 "Unable to find group specified by path: …" (`UserResource.updateUserFromRep`),
# a rule on the realm's state the document cannot state (`tests/api/admin_group_members.rs`).
[[operations]]
include-name = "POST /admin/realms/{{realm}}/users"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409"]

# A group body's `id` must be the group's own (Keycloak: 400 "Invalid group id"), a rule
# across the path and the body that the document cannot state (`tests/api/admin_groups.rs`).
[[operations]]
include-name = "PUT /admin/realms/{{realm}}/groups/{{id}}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409"]

# A partial import's resources resolve against the realm: a role, group or user needs a
# name, a user's groups and roles must exist in the realm or the file, client roles need
# their client (412), and what exists is refused under FAIL (409). Its refusals are
# Keycloak's texts, checked by the Rust tests (`tests/api/partial_import.rs`).
[[operations]]
include-name = "POST /admin/realms/{{realm}}/partialImport"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404", "409", "412"]

# `DELETE …/events` clears the realm's login events; `…/events/config` is the realm's
# configuration, not one of those events, and stays (as in Keycloak 26.7.3).
[[operations]]
include-name = "GET /admin/realms/{{realm}}/events/config"
checks.use_after_free.enabled = false

# The brute-force record of any user id, even an unknown or deleted one, is 200 with
# zeros in Keycloak 26.7.3 too (measured: `…/brute-force/users/no-such-user`).
[[operations]]
include-name = "GET /admin/realms/{{realm}}/attack-detection/brute-force/users/{{user}}"
checks.use_after_free.enabled = false
""")
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(config), "run",
        f"{base}/admin/openapi.json",
        "-H", f"Authorization: Bearer {token}",
        "--max-time", str(seconds), "--max-examples", str(args.examples),
        "--workers", str(args.workers), "--seed", str(args.seed),
        "--report", "json,junit", "--report-dir", str(report_dir / realm),
        "--warnings", "off", "--phases", args.phases,
        *extra,
    ]
    env = dict(os.environ, SCHEMATHESIS_HOOKS="hooks", PYTHONPATH=str(HERE))
    print("$", " ".join(c if "Bearer" not in c else "Authorization: Bearer …" for c in command),
          flush=True)
    return subprocess.run(command, env=env).returncode


def outcome(report_dir, realm):
    """`(cases, failures, errors)` of a run, from its JSON report. Failures are the server's
    (a 5xx, a status or answer off the document, a request judged wrongly); errors are
    schemathesis's own (e.g. Hypothesis's "AST constructor recursion depth mismatch")."""
    reports = sorted((report_dir / realm).glob("json-*.json"))
    if not reports:
        return None
    report = json.loads(reports[-1].read_text())
    failures = sum(failure["count"] for failure in report["failures"])
    return report["test_cases"]["generated"], failures, len(report["errors"])


def stop_on_sigterm(signum, frame):
    """SIGTERM ends the run like Ctrl-C, so `finally` stops latchkey."""
    raise KeyboardInterrupt


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int,
                        default=int(os.environ.get("SCHEMATHESIS_SECONDS", "90")))
    parser.add_argument("--examples", type=int,
                        default=int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SCHEMATHESIS_SEED", "1")))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--phases",
                        default=os.environ.get("SCHEMATHESIS_PHASES", "examples,coverage"))
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    binary = Path(os.environ.get("LATCHKEY_BIN", REPO / "target" / "debug" / "latchkey"))
    work = Path(tempfile.mkdtemp(prefix="latchkey-schemathesis-"))
    report_dir = Path(os.environ.get("SCHEMATHESIS_REPORT_DIR", work / "reports"))
    report_dir.mkdir(parents=True, exist_ok=True)
    process, base = start(binary, work)
    try:
        token = admin_token(base)
        # One token for the whole run: master's access tokens live 60 s by default.
        status, body = call("PUT", f"{base}/admin/realms/master", token,
                            {"accessTokenLifespan": args.seconds * 2 + 600})
        assert status == 204, body
        token = admin_token(base)
        make_realm(base, token, REALM)
        make_realm(base, token, "st-delete")
        schemathesis(args, base, token, REALM,
                     ["--exclude-name", "DELETE /admin/realms/{realm}"], report_dir, args.seconds)
        schemathesis(args, base, token, "st-delete",
                     ["--include-name", "DELETE /admin/realms/{realm}"], report_dir, 10)
        if process.poll() is not None:
            print("latchkey died during the run:\n" + (work / "latchkey.log").read_text())
            return 1
        failed = False
        for realm in (REALM, "st-delete"):
            result = outcome(report_dir, realm)
            if result is None:
                print(f"schemathesis wrote no report for {realm}")
                failed = True
                continue
            cases, failures, errors = result
            print(f"schemathesis {realm}: {cases} cases, {failures} failures, "
                  f"{errors} schemathesis errors (not counted)")
            failed = failed or failures > 0
        print(f"reports in {report_dir}")
        return 1 if failed else 0
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


if __name__ == "__main__":
    sys.exit(main())
