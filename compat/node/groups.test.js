// The official @keycloak/keycloak-admin-client's groups calls against the real latchkey
// binary, the way an operator's script organises users: a group tree with a role on the
// parent, a member in the child, default groups for new users, searches and counts, a
// move and a rename, then the user's token carrying the role it holds through the tree.
//
// The server is the real binary, started by `latchkey.js`.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import KcAdminClient from "@keycloak/keycloak-admin-client";
import { claims, serverUnderTest } from "./latchkey.js";

const REALM = "compat-node-groups";

let server;
let baseUrl;

before(async () => {
  server = await serverUnderTest();
  baseUrl = server.baseUrl;
});

after(async () => {
  if (server) await server.stop();
});

test("an operator script builds a group tree and a member's token carries its roles", async () => {
  const admin = new KcAdminClient({ baseUrl, realmName: "master" });
  await admin.auth({ grantType: "password", clientId: "admin-cli", username: "admin", password: "admin" });

  await admin.realms.create({ realm: REALM, enabled: true });
  try {
    admin.setConfig({ realmName: REALM });

    // The tree: /operators with a realm role, /operators/night under it, /guests beside.
    await admin.roles.create({ name: "operate" });
    const operate = await admin.roles.findOneByName({ name: "operate" });
    const { id: operatorsId } = await admin.groups.create({ name: "operators", attributes: { site: ["geneva"] } });
    const { id: nightId } = await admin.groups.createChildGroup({ id: operatorsId }, { name: "night" });
    const { id: guestsId } = await admin.groups.create({ name: "guests" });
    await admin.groups.addRealmRoleMappings({ id: operatorsId, roles: [{ id: operate.id, name: operate.name }] });

    const operators = await admin.groups.findOne({ id: operatorsId });
    assert.equal(operators.path, "/operators");
    assert.deepEqual(operators.attributes, { site: ["geneva"] });
    assert.equal(operators.subGroupCount, 1);
    const [night] = await admin.groups.listSubGroups({ parentId: operatorsId });
    assert.equal(night.id, nightId);
    assert.equal(night.path, "/operators/night");
    assert.equal((await admin.groups.findOne({ id: nightId })).parentId, operatorsId);
    assert.deepEqual(
      (await admin.groups.listRealmRoleMappings({ id: operatorsId })).map((r) => r.name),
      ["operate"],
    );
    // The child holds the parent's role only as an effective (composite) role.
    assert.deepEqual(await admin.groups.listRealmRoleMappings({ id: nightId }), []);
    const byPath = await admin.realms.getGroupByPath({ realm: REALM, path: "operators/night" });
    assert.equal(byPath.id, nightId);

    // Listing, search, paging and counts.
    assert.deepEqual((await admin.groups.find()).map((g) => g.name), ["guests", "operators"]);
    assert.deepEqual((await admin.groups.find({ first: 1, max: 1 })).map((g) => g.name), ["operators"]);
    const found = await admin.groups.find({ search: "nigh" });
    assert.deepEqual(found.map((g) => g.name), ["operators"]);
    assert.deepEqual(found[0].subGroups.map((g) => g.name), ["night"]);
    assert.deepEqual(await admin.groups.count(), { count: 3 });
    assert.deepEqual(await admin.groups.count({ top: true }), { count: 2 });
    assert.deepEqual(await admin.groups.count({ search: "nigh" }), { count: 1 });

    // A member of the child group, and a default group for users made afterwards.
    // A complete profile: Keycloak 26's default user profile refuses the password grant
    // to a user without email, first and last name ("Account is not fully set up").
    const { id: userId } = await admin.users.create({
      username: "nora",
      enabled: true,
      email: "nora@example.com",
      firstName: "Nora",
      lastName: "Night",
    });
    await admin.users.resetPassword({
      id: userId,
      credential: { type: "password", value: "nora-pw", temporary: false },
    });
    await admin.users.addToGroup({ id: userId, groupId: nightId });
    assert.deepEqual((await admin.users.listGroups({ id: userId })).map((g) => g.path), ["/operators/night"]);
    assert.deepEqual(await admin.users.countGroups({ id: userId }), { count: 1 });
    assert.deepEqual((await admin.groups.listMembers({ id: nightId })).map((u) => u.username), ["nora"]);
    assert.deepEqual(await admin.groups.listMembers({ id: operatorsId }), []);
    await admin.realms.addDefaultGroup({ realm: REALM, id: guestsId });
    assert.deepEqual((await admin.realms.getDefaultGroups({ realm: REALM })).map((g) => g.path), ["/guests"]);
    const { id: laterId } = await admin.users.create({ username: "leo", enabled: true });
    assert.deepEqual((await admin.users.listGroups({ id: laterId })).map((g) => g.path), ["/guests"]);
    await admin.realms.removeDefaultGroup({ realm: REALM, id: guestsId });
    assert.deepEqual(await admin.realms.getDefaultGroups({ realm: REALM }), []);

    // The member's token: the realm role held through the parent group.
    await admin.clients.create({ clientId: "desk", publicClient: true, directAccessGrantsEnabled: true });
    const login = async () => {
      const response = await fetch(`${baseUrl}/realms/${REALM}/protocol/openid-connect/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "password", client_id: "desk", username: "nora", password: "nora-pw" }),
      });
      assert.equal(response.status, 200, await response.clone().text());
      return claims((await response.json()).access_token);
    };
    assert.ok((await login()).realm_access.roles.includes("operate"));

    // Rename, move under /guests, and the paths follow; the role goes with the old parent.
    await admin.groups.update({ id: nightId }, { name: "late" });
    assert.equal((await admin.groups.findOne({ id: nightId })).path, "/operators/late");
    await admin.groups.updateChildGroup({ id: guestsId }, { id: nightId, name: "late" });
    assert.equal((await admin.groups.findOne({ id: nightId })).path, "/guests/late");
    assert.deepEqual((await admin.users.listGroups({ id: userId })).map((g) => g.path), ["/guests/late"]);
    assert.ok(!((await login()).realm_access?.roles ?? []).includes("operate"));

    // Leaving and deleting.
    await admin.users.delFromGroup({ id: userId, groupId: nightId });
    assert.deepEqual(await admin.users.listGroups({ id: userId }), []);
    await admin.groups.del({ id: guestsId });
    assert.equal(await admin.groups.findOne({ id: nightId }), null);
    assert.deepEqual((await admin.groups.find()).map((g) => g.name), ["operators"]);
  } finally {
    admin.setConfig({ realmName: "master" });
    await admin.realms.del({ realm: REALM });
  }
});
