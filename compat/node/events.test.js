// The official @keycloak/keycloak-admin-client's event calls (realms.getConfigEvents,
// updateConfigEvents, findEvents, findAdminEvents, clearEvents, clearAdminEvents), the
// way an operator audits a realm: events switched on, a login and a failed one, the
// admin changes that set it up, then both logs cleared.
//
// The server is the real binary started by `latchkey.js`, or COMPAT_BASE_URL (a real
// Keycloak 26.7.3 answers the same).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import KcAdminClient from "@keycloak/keycloak-admin-client";
import { serverUnderTest } from "./latchkey.js";

const REALM = "compat-node-events";

let server;
let baseUrl;

before(async () => {
  server = await serverUnderTest();
  baseUrl = server.baseUrl;
});

after(async () => {
  if (server) await server.stop();
});

async function passwordGrant(username, password) {
  const response = await fetch(`${baseUrl}/realms/${REALM}/protocol/openid-connect/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "password",
      client_id: "shop",
      client_secret: "shop-secret",
      username,
      password,
    }),
  });
  return response.status;
}

test("an operator turns events on, reads the login and admin logs and clears them", async () => {
  const admin = new KcAdminClient({ baseUrl, realmName: "master" });
  await admin.auth({ grantType: "password", clientId: "admin-cli", username: "admin", password: "admin" });
  await admin.realms.create({ realm: REALM, enabled: true });
  try {
    const fresh = await admin.realms.getConfigEvents({ realm: REALM });
    assert.equal(fresh.eventsEnabled, false);
    assert.equal(fresh.adminEventsEnabled, false);
    assert.deepEqual(fresh.eventsListeners, ["jboss-logging"]);
    assert.equal(fresh.enabledEventTypes.length, 103);
    assert.ok(fresh.enabledEventTypes.includes("LOGIN"));
    assert.ok(!fresh.enabledEventTypes.includes("REFRESH_TOKEN"));

    await admin.realms.updateConfigEvents(
      { realm: REALM },
      { eventsEnabled: true, eventsListeners: ["jboss-logging"], enabledEventTypes: [], adminEventsEnabled: true, adminEventsDetailsEnabled: true },
    );
    const config = await admin.realms.getConfigEvents({ realm: REALM });
    assert.equal(config.eventsEnabled, true);
    assert.equal(config.adminEventsDetailsEnabled, true);

    admin.setConfig({ realmName: REALM });
    const { id: shopId } = await admin.clients.create({
      clientId: "shop", secret: "shop-secret", publicClient: false, directAccessGrantsEnabled: true,
    });
    const { id: userId } = await admin.users.create({
      username: "eve", enabled: true, email: "eve@example.com", firstName: "Eve", lastName: "Audit",
      credentials: [{ type: "password", value: "eve-pw", temporary: false }],
    });

    assert.equal(await passwordGrant("eve", "eve-pw"), 200);
    assert.equal(await passwordGrant("eve", "wrong"), 400);

    const events = await admin.realms.findEvents({ realm: REALM });
    assert.deepEqual(events.map((e) => e.type), ["LOGIN_ERROR", "LOGIN"]);
    assert.equal(events[0].error, "invalid_user_credentials");
    assert.equal(events[0].userId, userId);
    assert.equal(events[1].clientId, "shop");
    assert.equal(events[1].details.username, "eve");
    assert.equal(events[1].details.grant_type, "password");
    assert.ok(events[1].sessionId);
    const logins = await admin.realms.findEvents({ realm: REALM, type: "LOGIN" });
    assert.equal(logins.length, 1);
    assert.equal((await admin.realms.findEvents({ realm: REALM, user: userId, max: 1 })).length, 1);

    const creates = await admin.realms.findAdminEvents({ realm: REALM, operationTypes: "CREATE" });
    assert.deepEqual(
      creates.map((e) => [e.resourceType, e.resourcePath]),
      [["USER", `users/${userId}`], ["CLIENT", `clients/${shopId}`]],
    );
    assert.equal(JSON.parse(creates[1].representation).secret, "**********");
    assert.ok(creates[0].authDetails.userId);
    const updates = await admin.realms.findAdminEvents({ realm: REALM, resourceTypes: "REALM" });
    assert.deepEqual(updates.map((e) => [e.operationType, e.resourcePath]), [["UPDATE", "events/config"]]);

    await admin.realms.clearEvents({ realm: REALM });
    await admin.realms.clearAdminEvents({ realm: REALM });
    assert.deepEqual(await admin.realms.findEvents({ realm: REALM }), []);
    assert.deepEqual(await admin.realms.findAdminEvents({ realm: REALM }), []);
  } finally {
    admin.setConfig({ realmName: "master" });
    await admin.realms.del({ realm: REALM });
  }
});
