// Starts the real latchkey binary for the browser tests: `start-dev` on a free port, a
// temporary data dir, the bootstrap admin `admin` / `admin` in realm `master` and realm
// `nagra` imported from examples/nagra-realm.json. The binary comes from LATCHKEY_BIN
// (default <repo>/target/debug/latchkey); compat/run.sh builds it.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dirname, "..", "..");
const READY_TIMEOUT_MS = 30_000;

function freePort() {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.on("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}

export async function startLatchkey() {
  const binary = process.env.LATCHKEY_BIN ?? join(REPO, "target", "debug", "latchkey");
  if (!existsSync(binary)) {
    throw new Error(`latchkey binary not found at ${binary}; run \`cargo build -p latchkey\``);
  }
  const work = mkdtempSync(join(tmpdir(), "latchkey-browser-"));
  const port = await freePort();
  const log = join(work, "latchkey.log");
  const out = openSync(log, "w");
  const child = spawn(
    binary,
    [
      "start-dev",
      "--http-port", String(port),
      "--data-dir", join(work, "data"),
      "--import-realm", "--import-dir", join(REPO, "examples"),
    ],
    {
      env: {
        ...process.env,
        LATCHKEY_BOOTSTRAP_ADMIN_USERNAME: "admin",
        LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD: "admin",
      },
      stdio: ["ignore", out, out],
    },
  );
  const baseUrl = `http://127.0.0.1:${port}/keycloak/auth`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      const response = await fetch(`${baseUrl}/health/ready`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) {
      throw new Error(`latchkey exited with ${child.exitCode}:\n${readFileSync(log, "utf8")}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`latchkey was not ready within ${READY_TIMEOUT_MS} ms:\n${readFileSync(log, "utf8")}`);
    }
    await new Promise((ok) => setTimeout(ok, 50));
  }
  return {
    baseUrl,
    log,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((ok) => child.once("exit", ok));
      }
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** A password grant with plain HTTP, as a CRM does it: status and JSON body. */
export async function passwordGrant(baseUrl, realm, clientId, username, password) {
  const response = await fetch(`${baseUrl}/realms/${realm}/protocol/openid-connect/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "password", client_id: clientId, username, password }),
  });
  return { status: response.status, body: await response.json() };
}

/** A refresh grant: status and JSON body. */
export async function refreshGrant(baseUrl, realm, clientId, refreshToken) {
  const response = await fetch(`${baseUrl}/realms/${realm}/protocol/openid-connect/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", client_id: clientId, refresh_token: refreshToken }),
  });
  return { status: response.status, body: await response.json() };
}

/** The claims of a JWT, unverified (the test only reads what the server put in). */
export function claims(jwt) {
  return JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString("utf8"));
}
