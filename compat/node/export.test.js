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

// Keycloak's move of a realm's clients, roles and groups into another realm: a partial
// export with clients, groups and roles, imported with `realms.partialImport`. With SKIP,
// the target's built-ins are skipped and the rest added; again with OVERWRITE, each is
// replaced, and the group keeps its role.
test("a partial export imports into another realm with partialImport", async () => {
  const source = `${REALM}-source`;
  const target = `${REALM}-target`;
  const admin = new KcAdminClient({ baseUrl, realmName: "master" });
  await admin.auth({ grantType: "password", clientId: "admin-cli", username: "admin", password: "admin" });
  await admin.realms.create({ realm: source, enabled: true });
  await admin.realms.create({ realm: target, enabled: true });
  try {
    admin.setConfig({ realmName: source });
    await admin.roles.create({ name: "operatorRole" });
    const role = await admin.roles.findOneByName({ name: "operatorRole" });
    const { id: groupId } = await admin.groups.create({ name: "operators" });
    await admin.groups.addRealmRoleMappings({ id: groupId, roles: [{ id: role.id, name: role.name }] });
    await admin.clients.create({ clientId: "crm", publicClient: true });
    const exported = await admin.realms.export({ realm: source, exportClients: true, exportGroupsAndRoles: true });
    // Another server's export: Keycloak 26.7.3 keeps a file's group ids, so that the same
    // server answers 409 "Duplicate resource error" for a group it exported itself.
    const withoutIds = ({ id, subGroups, ...group }) => ({ ...group, subGroups: (subGroups ?? []).map(withoutIds) });
    exported.groups = exported.groups.map(withoutIds);

    const skipped = await admin.realms.partialImport({
      realm: target,
      rep: { ...exported, ifResourceExists: "SKIP" },
    });
    const pairs = (action) =>
      skipped.results.filter((r) => r.action === action).map((r) => `${r.resourceType} ${r.resourceName}`);
    for (const added of ["CLIENT crm", "REALM_ROLE operatorRole", "GROUP operators"]) {
      assert.ok(pairs("ADDED").includes(added), added);
    }
    // The realm's built-in clients are passed over; their roles are not.
    assert.ok(!skipped.results.some((r) => r.resourceName === "account"));
    assert.ok(pairs("SKIPPED").includes("CLIENT_ROLE account-->manage-account"));
    assert.ok(pairs("SKIPPED").includes("REALM_ROLE offline_access"));
    assert.equal(skipped.added, pairs("ADDED").length);
    assert.equal(skipped.overwritten, 0);

    admin.setConfig({ realmName: target });
    const [operators] = await admin.groups.find({ search: "operators" });
    const mapped = await admin.groups.listRealmRoleMappings({ id: operators.id });
    assert.deepEqual(mapped.map((r) => r.name), ["operatorRole"]);

    const again = await admin.realms.partialImport({
      realm: target,
      rep: { ...exported, ifResourceExists: "OVERWRITE" },
    });
    // Every resource is overwritten. (Keycloak 26.7.3 also lists each overwritten role a
    // second time as ADDED and counts it in `added`; latchkey lists it once.)
    assert.equal(again.skipped, 0);
    const overwritten = again.results.filter((r) => r.action === "OVERWRITTEN");
    assert.equal(again.overwritten, overwritten.length);
    for (const name of ["CLIENT crm", "REALM_ROLE operatorRole", "GROUP operators"]) {
      assert.ok(overwritten.some((r) => `${r.resourceType} ${r.resourceName}` === name), name);
    }
    const [replaced] = await admin.groups.find({ search: "operators" });
    assert.notEqual(replaced.id, operators.id);
    const remapped = await admin.groups.listRealmRoleMappings({ id: replaced.id });
    assert.deepEqual(remapped.map((r) => r.name), ["operatorRole"]);
  } finally {
    admin.setConfig({ realmName: "master" });
    await admin.realms.del({ realm: source });
    await admin.realms.del({ realm: target });
  }
});
