// The admin console in a real headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core; no browser download) against the real latchkey binary. The tests run
// in order and share one signed-in browser, as one operator's visit would. Each page is
// saved as a screenshot under artifacts/ at 1280 px wide, some also at 390 px (a phone).

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

import { claims, passwordGrant, refreshGrant, startLatchkey } from "./server.js";

const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
const ARTIFACTS = join(import.meta.dirname, "artifacts");

let server;
let browser;
let page;
let console_;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startLatchkey();
  console_ = `${server.baseUrl}/admin/master/console`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Saves the page at 1280 px, and at 390 px too when `phone` is set. */
async function shot(name, { phone = false } = {}) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: join(ARTIFACTS, `${name}-1280.png`), fullPage: true });
  if (phone) {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(ARTIFACTS, `${name}-390.png`), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  }
}

async function signIn(username, password) {
  await page.fill("#username", username);
  await page.fill("#password", password);
  return Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]).then(([r]) => r);
}

async function openRealmPage(realm, rest) {
  const response = await page.goto(`${console_}/realms/${realm}${rest}`);
  assert.equal(response.status(), 200, `${rest}: ${await page.textContent("body")}`);
  return response;
}

/** Submits the form holding `selector` and waits for the next page. */
async function submit(selector) {
  const [response] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
  return response;
}

test("the console asks for a sign-in and refuses a wrong password", async () => {
  const response = await page.goto(console_);
  assert.equal(response.status(), 200);
  assert.match(page.url(), /\/admin\/master\/console\/login$/);
  assert.equal(await page.textContent("h1"), "Sign in to your account");
  await shot("sign-in", { phone: true });

  const refused = await signIn("admin", "not-the-password");
  assert.equal(refused.status(), 401);
  assert.equal((await page.textContent("[role=alert]")).trim(), "Invalid username or password.");
  // An unknown user gets exactly the same answer.
  const unknown = await signIn("nobody-here", "whatever");
  assert.equal(unknown.status(), 401);
  assert.equal((await page.textContent("[role=alert]")).trim(), "Invalid username or password.");
  await shot("sign-in-refused");
});

test("an admin signs in and lands on master's realm settings", async () => {
  const response = await signIn("admin", "admin");
  assert.equal(response.status(), 200);
  assert.match(page.url(), /\/realms\/master\/realm-settings$/);
  assert.equal(await page.textContent("h1"), "Realm settings");
  assert.equal((await page.textContent(".who .name")).trim(), "admin");
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === "LATCHKEY_CONSOLE_SESSION");
  assert.ok(session, "session cookie set");
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, "Strict");
  await shot("realm-settings-general", { phone: true });
});

test("Tokens: Access Token Lifespan of 10 minutes shows in the next password grant", async () => {
  // Through the realm switcher, as an operator would.
  await page.click(".realms summary");
  await shot("realm-switcher");
  await Promise.all([page.waitForNavigation(), page.click(".realms a:text-is('nagra')")]);
  await Promise.all([page.waitForNavigation(), page.click(".tabs a:text-is('Tokens')")]);
  assert.match(page.url(), /\/realms\/nagra\/realm-settings\/tokens$/);
  assert.equal(await page.inputValue("#accessTokenLifespan"), "5");
  assert.equal(await page.inputValue("select[name=accessTokenLifespan_unit]"), "minutes");
  await shot("realm-settings-tokens", { phone: true });

  const before = await passwordGrant(server.baseUrl, "nagra", "crm_client", "crm_client_user", "1234");
  assert.equal(before.body.expires_in, 300);

  // Not a number: an inline error, nothing saved.
  await page.fill("#accessTokenLifespan", "ten");
  const invalid = await submit("form .actions button[type=submit]");
  assert.equal(invalid.status(), 400);
  assert.equal((await page.textContent("#accessTokenLifespan-error")).trim(), "Enter a whole number, such as 5.");
  await shot("realm-settings-tokens-invalid", { phone: true });
  const unchanged = await passwordGrant(server.baseUrl, "nagra", "crm_client", "crm_client_user", "1234");
  assert.equal(unchanged.body.expires_in, 300);

  await page.fill("#accessTokenLifespan", "10");
  await page.selectOption("select[name=accessTokenLifespan_unit]", "minutes");
  const saved = await submit("form .actions button[type=submit]");
  assert.equal(saved.status(), 200);
  assert.equal((await page.textContent("[role=status]")).trim(), "Your changes have been saved.");
  assert.equal(await page.inputValue("#accessTokenLifespan"), "10");

  const after = await passwordGrant(server.baseUrl, "nagra", "crm_client", "crm_client_user", "1234");
  assert.equal(after.status, 200);
  assert.equal(after.body.expires_in, 600);
});

test("a form posted without its CSRF token is refused and changes nothing", async () => {
  await openRealmPage("nagra", "/realm-settings/tokens");
  await page.fill("#accessTokenLifespan", "1");
  await page.selectOption("select[name=accessTokenLifespan_unit]", "hours");
  await page.evaluate(() => document.querySelector("main form input[name=csrf]").remove());
  const refused = await submit("form .actions button[type=submit]");
  assert.equal(refused.status(), 403);
  assert.equal(await page.textContent("h1"), "Request refused");
  await shot("csrf-refused");
  const grant = await passwordGrant(server.baseUrl, "nagra", "crm_client", "crm_client_user", "1234");
  assert.equal(grant.body.expires_in, 600);

  // A wrong token is no better than none.
  await openRealmPage("nagra", "/realm-settings/tokens");
  await page.evaluate(() => { document.querySelector("main form input[name=csrf]").value = "AAAA"; });
  const forged = await submit("form .actions button[type=submit]");
  assert.equal(forged.status(), 403);
});
