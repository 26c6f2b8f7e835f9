// The official admin client's `realms.export` (Keycloak's partial export) against the real
// latchkey binary, or any server given by COMPAT_BASE_URL (a real Keycloak 26.7.3 answers
// the same, which is how these assertions were checked): no users but service accounts,
// secrets masked, key providers without key material, clients and roles/groups by flag.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import KcAdminClient from "@keycloak/keycloak-admin-client";
import { serverUnderTest } from "./latchkey.js";

const REALM = "lossless-export";

let server;
let baseUrl;

before(async () => {
  server = await serverUnderTest();
  baseUrl = server.baseUrl;
});

after(async () => {
  if (server) await server.stop();
});

test("a partial export leaves out users and secrets", async () => {
  const admin = new KcAdminClient({ baseUrl, realmName: "master" });
  await admin.auth({ grantType: "password", clientId: "admin-cli", username: "admin", password: "admin" });
  await admin.realms.create({ realm: REALM, enabled: true });
  try {
    admin.setConfig({ realmName: REALM });
    await admin.roles.create({ name: "operatorRole" });
    const role = await admin.roles.findOneByName({ name: "operatorRole" });
    const { id: groupId } = await admin.groups.create({ name: "operators" });
    await admin.groups.addRealmRoleMappings({ id: groupId, roles: [{ id: role.id, name: role.name }] });
    await admin.clients.create({
      clientId: "svc",
      publicClient: false,
      secret: "my-secret-value",
      serviceAccountsEnabled: true,
    });
    await admin.users.create({ username: "someone", enabled: true });

    const bare = await admin.realms.export({ realm: REALM });
    assert.equal(bare.realm, REALM);
    for (const absent of ["users", "clients", "roles", "groups"]) {
      assert.equal(bare[absent], undefined, absent);
    }
    assert.equal(bare.browserFlow, "browser");
    const keys = bare.components["org.keycloak.keys.KeyProvider"];
    assert.ok(keys.length > 0);
    for (const key of keys) {
      for (const secret of ["privateKey", "secret", "certificate"]) {
        assert.equal(key.config[secret], undefined, `${key.name}: ${secret}`);
      }
      assert.match(key.config.priority[0], /^\d+$/);
    }

    const full = await admin.realms.export({ realm: REALM, exportClients: true, exportGroupsAndRoles: true });
    const svc = full.clients.find((client) => client.clientId === "svc");
    assert.equal(svc.secret, "**********");
    assert.ok(!JSON.stringify(full).includes("my-secret-value"));
    assert.deepEqual(full.groups.map((group) => [group.path, group.realmRoles]), [["/operators", ["operatorRole"]]]);
    assert.ok(full.roles.realm.some((r) => r.name === "operatorRole"));
    // Ordinary users never; the service account's user, without credentials.
    assert.deepEqual(full.users.map((user) => user.username), ["service-account-svc"]);
    assert.equal(full.users[0].serviceAccountClientId, "svc");
    assert.equal(full.users[0].credentials, undefined);
  } finally {
    admin.setConfig({ realmName: "master" });
    await admin.realms.del({ realm: REALM });
  }
});
