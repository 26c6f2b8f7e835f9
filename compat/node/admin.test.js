// The official @keycloak/keycloak-admin-client against the real latchkey binary, used the
// way an operator's script uses it: make a realm with a client, a role and a user, set the
// user's password, map the role, read it all back, change the realm's access token
// lifespan, log the user in with a plain token request, then delete what was made.
//
// The server is the real binary, started by `latchkey.js`.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import KcAdminClient from "@keycloak/keycloak-admin-client";
import { claims, serverUnderTest } from "./latchkey.js";

const REALM = "compat-node";

let server;
let baseUrl;

before(async () => {
  server = await serverUnderTest();
  baseUrl = server.baseUrl;
});

after(async () => {
  if (server) await server.stop();
});

test("an operator script sets up a realm and its user logs in", async () => {
  const admin = new KcAdminClient({ baseUrl, realmName: "master" });
  await admin.auth({ grantType: "password", clientId: "admin-cli", username: "admin", password: "admin" });

  await admin.realms.create({ realm: REALM, enabled: true });
  try {
    admin.setConfig({ realmName: REALM });

    const { id: clientUuid } = await admin.clients.create({
      clientId: "shop",
      publicClient: true,
      directAccessGrantsEnabled: true,
    });
    const { roleName } = await admin.roles.create({ name: "shopper", description: "Buys things" });
    const { id: userId } = await admin.users.create({
      username: "carla",
      email: "carla@example.com",
      // Keycloak 26's default user profile refuses the password grant without these.
      firstName: "Carla",
      lastName: "Shopper",
      enabled: true,
    });
    await admin.users.resetPassword({
      id: userId,
      credential: { type: "password", value: "carla-pw", temporary: false },
    });
    const role = await admin.roles.findOneByName({ name: "shopper" });
    await admin.users.addRealmRoleMappings({ id: userId, roles: [{ id: role.id, name: role.name }] });

    assert.equal(roleName, "shopper");
    assert.equal(role.description, "Buys things");
    assert.equal((await admin.clients.findOne({ id: clientUuid })).clientId, "shop");
    const [found] = await admin.clients.find({ clientId: "shop" });
    assert.equal(found.id, clientUuid);
    const user = await admin.users.findOne({ id: userId });
    assert.equal(user.username, "carla");
    assert.equal(user.email, "carla@example.com");
    assert.equal(user.enabled, true);
    const mapped = await admin.users.listRealmRoleMappings({ id: userId });
    assert.ok(mapped.some((r) => r.name === "shopper"), JSON.stringify(mapped));
    const holders = await admin.roles.findUsersWithRole({ name: "shopper" });
    assert.deepEqual(holders.map((u) => u.username), ["carla"]);

    // A client role, mapped through the client's internal id.
    const { roleName: pickerName } = await admin.clients.createRole({ id: clientUuid, name: "picker" });
    assert.equal(pickerName, "picker");
    await admin.clients.createRole({ id: clientUuid, name: "packer" });
    const picker = await admin.clients.findRole({ id: clientUuid, roleName: "picker" });
    assert.equal(picker.clientRole, true);
    await admin.users.addClientRoleMappings({
      id: userId,
      clientUniqueId: clientUuid,
      roles: [{ id: picker.id, name: picker.name }],
    });
    const clientMapped = await admin.users.listClientRoleMappings({ id: userId, clientUniqueId: clientUuid });
    assert.deepEqual(clientMapped.map((r) => r.name), ["picker"]);
    const available = await admin.users.listAvailableClientRoleMappings({ id: userId, clientUniqueId: clientUuid });
    assert.deepEqual(available.map((r) => r.name), ["packer"]);
    await admin.clients.delRole({ id: clientUuid, roleName: "packer" });
    assert.equal(await admin.clients.findRole({ id: clientUuid, roleName: "packer" }), null);

    await admin.realms.update({ realm: REALM }, { accessTokenLifespan: 120 });
    assert.equal((await admin.realms.findOne({ realm: REALM })).accessTokenLifespan, 120);

    const response = await fetch(`${baseUrl}/realms/${REALM}/protocol/openid-connect/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "password",
        client_id: "shop",
        username: "carla",
        password: "carla-pw",
      }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    const tokens = await response.json();
    assert.equal(tokens.expires_in, 120);
    assert.ok(claims(tokens.access_token).realm_access.roles.includes("shopper"));
    assert.deepEqual(claims(tokens.access_token).resource_access.shop.roles, ["picker"]);

    // The session shows through the user and the client, then an admin logout ends it.
    const [session] = await admin.users.listSessions({ id: userId });
    assert.equal(session.id, claims(tokens.access_token).sid);
    assert.equal(session.username, "carla");
    assert.deepEqual(session.clients, { [clientUuid]: "shop" });
    assert.deepEqual((await admin.clients.listSessions({ id: clientUuid })).map((s) => s.id), [session.id]);
    const [credential] = await admin.users.getCredentials({ id: userId });
    assert.equal(credential.type, "password");
    assert.equal(credential.secretData, undefined);
    const status = await admin.attackDetection.findOne({ id: userId });
    assert.equal(status.numFailures, 0);
    await admin.users.logout({ id: userId });
    assert.deepEqual(await admin.users.listSessions({ id: userId }), []);
    const refresh = await fetch(`${baseUrl}/realms/${REALM}/protocol/openid-connect/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        client_id: "shop",
        refresh_token: tokens.refresh_token,
      }),
    });
    assert.equal(refresh.status, 400);
    assert.deepEqual(await admin.realms.logoutAll({ realm: REALM }), {});

    await admin.users.delRealmRoleMappings({ id: userId, roles: [{ id: role.id, name: role.name }] });
    await admin.users.del({ id: userId });
    assert.equal(await admin.users.findOne({ id: userId }), null);
    await admin.roles.delByName({ name: "shopper" });
    await admin.clients.del({ id: clientUuid });
  } finally {
    admin.setConfig({ realmName: "master" });
    await admin.realms.del({ realm: REALM });
  }
  assert.equal(await admin.realms.findOne({ realm: REALM }), null);
});
