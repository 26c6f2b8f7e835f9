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

test("Keys: an ECDSA provider is added, signs once the realm's default is ES256, and is deleted", async () => {
  await openRealmPage("nagra", "/realm-settings/keys");
  assert.ok(await page.isVisible("td:has-text('RS256') .badge.on"));
  await page.selectOption("#algorithm", "ES256");
  await page.fill("#name", "browser-ecdsa");
  await page.fill("#priority", "5");
  const added = await submit("form[action$='/realm-settings/keys'] .actions button[type=submit]");
  assert.equal(added.status(), 200);
  assert.equal((await page.textContent("[role=status]")).trim(), "Created.");
  assert.ok(await page.isVisible("td:text-is('browser-ecdsa')"));
  await shot("realm-settings-keys", { phone: true });

  await openRealmPage("nagra", "/realm-settings/tokens");
  await page.selectOption("#defaultSignatureAlgorithm", "ES256");
  await submit("form .actions button[type=submit]");
  const es256 = await passwordGrant(server.baseUrl, "nagra", "crm_client", "crm_client_user", "1234");
  assert.equal(JSON.parse(Buffer.from(es256.body.access_token.split(".")[0], "base64url")).alg, "ES256");
  await page.selectOption("#defaultSignatureAlgorithm", "RS256");
  await submit("form .actions button[type=submit]");

  await openRealmPage("nagra", "/realm-settings/keys");
  await submit("tr:has(td:text-is('browser-ecdsa')) button:text-is('Delete')");
  assert.equal(await page.textContent("h1"), "Delete key?");
  await submit("main form button:text-is('Delete')");
  assert.equal((await page.textContent("[role=status]")).trim(), "Deleted.");
  assert.ok(!(await page.isVisible("td:text-is('browser-ecdsa')")));
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
  await page.evaluate(() => document.querySelector("form[action$='/realm-settings/tokens'] input[name=csrf]").remove());
  const refused = await submit("form .actions button[type=submit]");
  assert.equal(refused.status(), 403);
  assert.equal(await page.textContent("h1"), "Request refused");
  await shot("csrf-refused");
  const grant = await passwordGrant(server.baseUrl, "nagra", "crm_client", "crm_client_user", "1234");
  assert.equal(grant.body.expires_in, 600);

  // A wrong token is no better than none.
  await openRealmPage("nagra", "/realm-settings/tokens");
  await page.evaluate(() => { document.querySelector("form[action$='/realm-settings/tokens'] input[name=csrf]").value = "AAAA"; });
  const forged = await submit("form .actions button[type=submit]");
  assert.equal(forged.status(), 403);
});

const JANE = { username: "jane.operator", password: "Jane-s3cret-pass" };

test("a new user with a password and operatorRole gets a token carrying the role", async () => {
  await openRealmPage("nagra", "/realm-settings");
  await Promise.all([page.waitForNavigation(), page.click(".nav a:text-is('Users')")]);
  assert.match(page.url(), /\/realms\/nagra\/users$/);
  assert.ok(await page.isVisible("td a:text-is('crm_client_user')"));
  await shot("users", { phone: true });

  await Promise.all([page.waitForNavigation(), page.click("a:text-is('Add user')")]);
  await page.fill("#username", "x");
  const tooShort = await submit("form .actions button[type=submit]");
  assert.equal(tooShort.status(), 400);
  assert.equal((await page.textContent("#username-error")).trim(), "Use 3 to 255 characters.");
  await page.fill("#username", JANE.username);
  await page.fill("#email", "jane@example.com");
  await page.fill("#firstName", "Jane");
  await page.fill("#lastName", "Operator");
  await shot("user-create", { phone: true });
  const created = await submit("form .actions button[type=submit]");
  assert.equal(created.status(), 200);
  assert.equal(await page.textContent("h1"), JANE.username);
  assert.equal((await page.textContent("[role=status]")).trim(), "Created.");
  await shot("user-details", { phone: true });

  await Promise.all([page.waitForNavigation(), page.click(".tabs a:text-is('Credentials')")]);
  await page.fill("#password", JANE.password);
  await page.fill("#passwordConfirmation", "something else");
  const mismatch = await submit("main form .actions button[type=submit]");
  assert.equal(mismatch.status(), 400);
  assert.equal((await page.textContent("#passwordConfirmation-error")).trim(), "The passwords do not match.");
  await page.fill("#password", JANE.password);
  await page.fill("#passwordConfirmation", JANE.password);
  await page.uncheck("#temporary");
  const set = await submit("main form .actions button[type=submit]");
  assert.equal(set.status(), 200);
  assert.equal((await page.textContent("[role=status]")).trim(), "The password has been set.");
  await shot("user-credentials", { phone: true });

  const before = await passwordGrant(server.baseUrl, "nagra", "crm_client", JANE.username, JANE.password);
  assert.equal(before.status, 200, JSON.stringify(before.body));
  assert.ok(!claims(before.body.access_token).realm_access.roles.includes("operatorRole"));

  await Promise.all([page.waitForNavigation(), page.click(".tabs a:text-is('Role mapping')")]);
  await page.selectOption("#role", "operatorRole");
  const assigned = await submit("main form .actions button[type=submit]");
  assert.equal(assigned.status(), 200);
  assert.ok(await page.isVisible("td:text-is('operatorRole')"));
  await shot("user-role-mapping", { phone: true });

  const after = await passwordGrant(server.baseUrl, "nagra", "crm_client", JANE.username, JANE.password);
  assert.equal(after.status, 200);
  const roles = claims(after.body.access_token).realm_access.roles;
  assert.ok(roles.includes("operatorRole"), `roles: ${roles}`);
});

test("signing out a session from the console makes its refresh fail", async () => {
  const grant = await passwordGrant(server.baseUrl, "nagra", "crm_client", JANE.username, JANE.password);
  assert.equal(grant.status, 200);
  const sid = claims(grant.body.access_token).sid;
  const ok = await refreshGrant(server.baseUrl, "nagra", "crm_client", grant.body.refresh_token);
  assert.equal(ok.status, 200);

  await Promise.all([page.waitForNavigation(), page.click(".tabs a:text-is('Sessions')")]);
  assert.ok(await page.isVisible(`form:has(input[value="${sid}"]) button`));
  await shot("user-sessions", { phone: true });
  const signedOut = await submit(`form:has(input[value="${sid}"]) button`);
  assert.equal(signedOut.status(), 200);
  assert.equal((await page.textContent("[role=status]")).trim(), "The session has been signed out.");
  assert.equal(await page.locator(`input[value="${sid}"]`).count(), 0);

  const refused = await refreshGrant(server.baseUrl, "nagra", "crm_client", ok.body.refresh_token);
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error, "invalid_grant");

  // The realm's Sessions page does the same for anyone's session.
  const crm = await passwordGrant(server.baseUrl, "nagra", "crm_client", "crm_client_user", "1234");
  const crmSid = claims(crm.body.access_token).sid;
  await Promise.all([page.waitForNavigation(), page.click(".nav a:text-is('Sessions')")]);
  assert.ok(await page.isVisible(`form:has(input[value="${crmSid}"]) button`));
  await shot("sessions", { phone: true });
  await submit(`form:has(input[value="${crmSid}"]) button`);
  const crmRefused = await refreshGrant(server.baseUrl, "nagra", "crm_client", crm.body.refresh_token);
  assert.equal(crmRefused.status, 400);
  assert.equal(crmRefused.body.error, "invalid_grant");
});

test("realm roles, clients, security defenses and create realm pages work", async () => {
  await Promise.all([page.waitForNavigation(), page.click(".nav a:text-is('Realm roles')")]);
  assert.ok(await page.isVisible("td a:text-is('operatorRole')"));
  await shot("realm-roles", { phone: true });
  await Promise.all([page.waitForNavigation(), page.click("a:text-is('Create role')")]);
  await page.fill("#name", "auditorRole");
  await page.fill("#description", "Reads audit logs");
  await shot("role-create");
  await submit("main form .actions button[type=submit]");
  assert.ok(await page.isVisible("td a:text-is('auditorRole')"));
  // Deleting asks first, on a page of its own.
  await submit("form:has(button[aria-label='Delete auditorRole']) button");
  assert.equal(await page.textContent("h1"), "Delete role?");
  await shot("role-delete-confirm", { phone: true });
  await submit("main form button:text-is('Delete')");
  assert.equal((await page.textContent("[role=status]")).trim(), "Deleted.");
  assert.equal(await page.locator("td a:text-is('auditorRole')").count(), 0);
  await Promise.all([page.waitForNavigation(), page.click("td a:text-is('operatorRole')")]);
  assert.ok(await page.isVisible(`td a:text-is('${JANE.username}')`));
  await shot("role-users");

  await Promise.all([page.waitForNavigation(), page.click(".nav a:text-is('Clients')")]);
  assert.ok(await page.isVisible("td a:text-is('crm_client')"));
  await shot("clients", { phone: true });
  await Promise.all([page.waitForNavigation(), page.click("a:text-is('Create client')")]);
  await page.fill("#clientId", "billing_service");
  await page.check("#clientAuthentication");
  await page.check("#serviceAccounts");
  await shot("client-create", { phone: true });
  const created = await submit("main form .actions button[type=submit]");
  assert.equal(created.status(), 200);
  assert.equal(await page.textContent("h1"), "billing_service");
  await page.check("#lowerCaseBearer");
  await submit("main form .actions button[type=submit]");
  assert.equal((await page.textContent("[role=status]")).trim(), "Your changes have been saved.");
  await shot("client-settings", { phone: true });
  await Promise.all([page.waitForNavigation(), page.click(".tabs a:text-is('Credentials')")]);
  await page.click("details summary:text-is('Show secret')");
  const secret = await page.inputValue("#clientSecret");
  await shot("client-credentials", { phone: true });

  // The new confidential client gets tokens with its secret, token_type in lower case.
  const tokenUrl = `${server.baseUrl}/realms/nagra/protocol/openid-connect/token`;
  const credentials = (value) => fetch(tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: "billing_service", client_secret: value }),
  });
  const first = await credentials(secret);
  assert.equal(first.status, 200);
  const firstBody = await first.json();
  assert.equal(firstBody.token_type, "bearer");
  assert.ok(!claims(firstBody.access_token).realm_access.roles.includes("adminRole"));

  // Roles for the service account: client-credentials tokens carry them.
  await Promise.all([page.waitForNavigation(), page.click(".tabs a:text-is('Service account roles')")]);
  await page.selectOption("#role", "adminRole");
  await submit("main form:has(#role) .actions button[type=submit]");
  assert.ok(await page.isVisible("td:text-is('adminRole')"));
  await shot("client-service-account-roles", { phone: true });
  const withRole = await (await credentials(secret)).json();
  assert.ok(claims(withRole.access_token).realm_access.roles.includes("adminRole"));
  await Promise.all([page.waitForNavigation(), page.click(".tabs a:text-is('Credentials')")]);
  await submit("main form button:text-is('Regenerate')");
  assert.match(await page.textContent("[role=status]"), /new client secret/);
  assert.equal((await credentials(secret)).status, 401);

  await openRealmPage("nagra", "/realm-settings/security-defenses");
  await shot("realm-settings-security-defenses", { phone: true });
  await page.goto(`${console_}/create-realm`);
  await page.fill("#realm", "scratch");
  await shot("create-realm", { phone: true });
  const made = await submit("main form .actions button[type=submit]");
  assert.equal(made.status(), 200);
  assert.match(page.url(), /\/realms\/scratch\/realm-settings\?notice=created$/);
  const discovery = await fetch(`${server.baseUrl}/realms/scratch/.well-known/openid-configuration`);
  assert.equal(discovery.status, 200);
  await submit("button:text-is('Delete realm')");
  assert.equal(await page.textContent("h1"), "Delete realm?");
  await shot("realm-delete-confirm");
  await submit("main form button:text-is('Delete')");
  assert.match(page.url(), /\/realms\/master\/realm-settings\?notice=deleted$/);
  assert.equal((await fetch(`${server.baseUrl}/realms/scratch/.well-known/openid-configuration`)).status, 404);
  const missing = await page.goto(`${console_}/realms/no-such-realm/users`);
  assert.equal(missing.status(), 404);
  await shot("not-found");
});

test("a role given to a subgroup reaches a member's token until the user leaves the group", async () => {
  const roles = async () => {
    const grant = await passwordGrant(server.baseUrl, "nagra", "crm_client", "admin_user", "admin1234");
    assert.equal(grant.status, 200, JSON.stringify(grant.body));
    return claims(grant.body.access_token).realm_access.roles;
  };
  assert.ok(!(await roles()).includes("operatorRole"));

  await openRealmPage("nagra", "/users");
  await Promise.all([page.waitForNavigation(), page.click(".nav a:text-is('Groups')")]);
  assert.match(page.url(), /\/realms\/nagra\/groups$/);
  assert.equal((await page.textContent("p.empty")).trim(), "No groups yet.");
  await page.fill("#name", "operators");
  const created = await submit("main form .actions button[type=submit]");
  assert.equal(created.status(), 200);
  assert.equal(await page.textContent("h1"), "operators");
  assert.equal((await page.textContent("[role=status]")).trim(), "Created.");

  // A subgroup, from its parent's Child groups tab.
  await page.fill("#name", "night-shift");
  await submit("main form .actions button[type=submit]");
  assert.equal(await page.textContent("h1"), "night-shift");
  assert.equal((await page.textContent(".head .mono")).trim(), "/operators/night-shift");

  // The subgroup gets operatorRole on its Role mapping tab.
  await Promise.all([page.waitForNavigation(), page.click(".tabs a:text-is('Role mapping')")]);
  await page.selectOption("#role", "operatorRole");
  await submit("main form:has(#role) .actions button[type=submit]");
  assert.ok(await page.isVisible("td:text-is('operatorRole')"));
  await shot("group-role-mapping", { phone: true });

  // admin_user is added on its Members tab: the next token carries the role.
  await Promise.all([page.waitForNavigation(), page.click(".tabs a:text-is('Members')")]);
  await page.fill("#username", "nobody-here");
  const unknown = await submit("main form .actions button[type=submit]");
  assert.equal(unknown.status(), 400);
  assert.equal((await page.textContent("#username-error")).trim(), "No user has this username.");
  await page.fill("#username", "admin_user");
  await submit("main form .actions button[type=submit]");
  assert.ok(await page.isVisible("td a:text-is('admin_user')"));
  await shot("group-members", { phone: true });
  assert.ok((await roles()).includes("operatorRole"));

  // The Groups page shows the tree.
  await Promise.all([page.waitForNavigation(), page.click(".nav a:text-is('Groups')")]);
  assert.ok(await page.isVisible("ul.tree ul.tree a:text-is('night-shift')"));
  await shot("groups", { phone: true });

  // The user's Groups tab: leaving there takes the role away from the next token.
  await Promise.all([page.waitForNavigation(), page.click("ul.tree ul.tree a:text-is('night-shift')")]);
  await Promise.all([page.waitForNavigation(), page.click(".tabs a:text-is('Members')")]);
  await Promise.all([page.waitForNavigation(), page.click("td a:text-is('admin_user')")]);
  assert.match(page.url(), /\/users\/[^/]+\/groups$/);
  assert.ok(await page.isVisible("td a:text-is('/operators/night-shift')"));
  await shot("user-groups", { phone: true });
  await submit("button[aria-label='Leave /operators/night-shift']");
  assert.equal((await page.textContent("p.empty")).trim(), "Not a member of any group.");
  assert.ok(!(await roles()).includes("operatorRole"));

  // Joined again from the same tab, then the parent deleted (after asking): its subgroup
  // and the membership go with it.
  await page.selectOption("#group", { label: "/operators/night-shift" });
  await submit("main form:has(#group) .actions button[type=submit]");
  assert.ok((await roles()).includes("operatorRole"));
  await Promise.all([page.waitForNavigation(), page.click(".nav a:text-is('Groups')")]);
  await Promise.all([page.waitForNavigation(), page.click("ul.tree a:text-is('operators')")]);
  await Promise.all([page.waitForNavigation(), page.click(".tabs a:text-is('Settings')")]);
  await shot("group-settings", { phone: true });
  await submit("button:text-is('Delete group')");
  assert.equal(await page.textContent("h1"), "Delete group?");
  await submit("main form button:text-is('Delete')");
  assert.equal((await page.textContent("p.empty")).trim(), "No groups yet.");
  assert.ok(!(await roles()).includes("operatorRole"));
});

test("signing out of the console ends its session", async () => {
  await openRealmPage("master", "/sessions");
  assert.ok(await page.isVisible(".badge:text-is('You')"), "the console's own session is listed");
  await shot("sessions-master");
  const out = await submit(".mast button:text-is('Sign out')");
  assert.equal(out.status(), 200);
  assert.match(page.url(), /\/login\?notice=signed-out$/);
  assert.equal((await page.textContent("[role=status]")).trim(), "You have signed out.");
  const again = await page.goto(`${console_}/realms/nagra/realm-settings/tokens`);
  assert.match(page.url(), /\/login$/);
  assert.equal(again.status(), 200);
});
