// Starts the real latchkey binary for a test file: a free port, a temporary data dir and
// the bootstrap admin `admin` / `admin` in realm `master`. The binary comes from
// LATCHKEY_BIN (default <repo>/target/debug/latchkey); nothing is built here
// (compat/run.sh builds it).

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

async function waitUntilReady(server, url, log) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (server.exitCode !== null) {
      throw new Error(`latchkey exited with ${server.exitCode} before it was ready:\n${readFileSync(log, "utf8")}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`latchkey was not ready within ${READY_TIMEOUT_MS} ms:\n${readFileSync(log, "utf8")}`);
    }
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

/** Starts latchkey; resolves to `{ baseUrl, stop }` once it answers /health/ready. */
export async function startLatchkey() {
  const binary = process.env.LATCHKEY_BIN ?? join(REPO, "target", "debug", "latchkey");
  if (!existsSync(binary)) {
    throw new Error(`latchkey binary not found at ${binary}; run \`cargo build -p latchkey\``);
  }
  const work = mkdtempSync(join(tmpdir(), "latchkey-node-"));
  const port = await freePort();
  const log = join(work, "latchkey.log");
  const out = openSync(log, "w");
  const server = spawn(
    binary,
    ["start-dev", "--http-port", String(port), "--data-dir", join(work, "data")],
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
  const stop = async () => {
    if (server.exitCode === null) {
      const exited = new Promise((ok) => server.once("exit", ok));
      server.kill("SIGTERM");
      const timer = setTimeout(() => server.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(work, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(server, `${baseUrl}/health/ready`, log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, stop };
}

/**
 * The server a test file talks to: COMPAT_BASE_URL when set (another server, such as a
 * real Keycloak with admin `admin` / `admin`, to check that a file's expectations are
 * Keycloak's), else a latchkey of its own. Resolves to `{ baseUrl, stop }`.
 */
export async function serverUnderTest() {
  const other = process.env.COMPAT_BASE_URL;
  if (other) return { baseUrl: other, stop: async () => {} };
  return startLatchkey();
}

/** A JWT's payload, unverified (the tests read claims of tokens they were just given). */
export function claims(token) {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8"));
}
