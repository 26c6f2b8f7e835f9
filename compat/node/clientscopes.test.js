// The official @keycloak/keycloak-admin-client's clientScopes calls (and a client's
// scope calls) against the real latchkey binary, as an operator's script gives an API
// its audience: a client scope with an audience mapper, a realm default for new clients,
// a client's default and optional scopes, the scope's scope mappings, and the token that
// carries the audience. COMPAT_BASE_URL=<a Keycloak 26.7.3> runs the same file there.
//
// The server is the real binary, started by `latchkey.js`.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import KcAdminClient from "@keycloak/keycloak-admin-client";
import { claims, serverUnderTest } from "./latchkey.js";

const REALM = "compat-node-scopes";

let server;
let baseUrl;

before(async () => {
  server = await serverUnderTest();
  baseUrl = server.baseUrl;
});

after(async () => {
  if (server) await server.stop();
});

const names = (list) => list.map((item) => item.name).sort();
const audiences = (token) => [token.aud ?? []].flat();

test("an operator script gives an API its audience through a client scope", async () => {
  const admin = new KcAdminClient({ baseUrl, realmName: "master" });
  await admin.auth({ grantType: "password", clientId: "admin-cli", username: "admin", password: "admin" });

  await admin.realms.create({ realm: REALM, enabled: true });
  try {
    admin.setConfig({ realmName: REALM });

    // The scope, with an audience mapper.
    await admin.clientScopes.create({
      name: "orders-api",
      description: "Calls to the orders API",
      protocol: "openid-connect",
      attributes: { "include.in.token.scope": "true" },
    });
    const scope = await admin.clientScopes.findOneByName({ name: "orders-api" });
    assert.equal(scope.description, "Calls to the orders API");
    assert.ok((await admin.clientScopes.find()).some((s) => s.name === "profile"));
    await assert.rejects(
      admin.clientScopes.create({ name: "orders-api", protocol: "openid-connect" }),
      (error) => error.response?.status === 409,
    );
    await admin.clientScopes.addProtocolMapper({ id: scope.id }, {
      name: "orders audience",
      protocol: "openid-connect",
      protocolMapper: "oidc-audience-mapper",
      config: { "included.custom.audience": "orders", "access.token.claim": "true" },
    });
    await admin.clientScopes.addMultipleProtocolMappers({ id: scope.id }, [{
      name: "tier",
      protocol: "openid-connect",
      protocolMapper: "oidc-hardcoded-claim-mapper",
      config: { "claim.name": "tier", "claim.value": "gold", "access.token.claim": "true", "jsonType.label": "String" },
    }]);
    const mappers = await admin.clientScopes.listProtocolMappers({ id: scope.id });
    assert.deepEqual(names(mappers), ["orders audience", "tier"]);
    assert.ok(mappers.every((m) => m.consentRequired === false));
    const tier = await admin.clientScopes.findProtocolMapperByName({ id: scope.id, name: "tier" });
    assert.equal((await admin.clientScopes.findProtocolMapper({ id: scope.id, mapperId: tier.id })).name, "tier");
    assert.deepEqual(
      names(await admin.clientScopes.findProtocolMappersByProtocol({ id: scope.id, protocol: "openid-connect" })),
      ["orders audience", "tier"],
    );

    // A realm default: clients created from now on have it.
    await admin.clientScopes.addDefaultClientScope({ id: scope.id });
    assert.ok((await admin.clientScopes.listDefaultClientScopes()).some((s) => s.name === "orders-api"));
    assert.ok(!(await admin.clientScopes.listDefaultOptionalClientScopes()).some((s) => s.name === "orders-api"));
    const { id: deskId } = await admin.clients.create({
      clientId: "desk", publicClient: true, directAccessGrantsEnabled: true,
    });
    assert.ok((await admin.clients.listDefaultClientScopes({ id: deskId })).some((s) => s.name === "orders-api"));

    // A user with a complete profile (Keycloak 26's default user profile needs one).
    const { id: userId } = await admin.users.create({
      username: "nora", enabled: true, email: "nora@example.com", firstName: "Nora", lastName: "Night",
    });
    await admin.users.resetPassword({ id: userId, credential: { type: "password", value: "nora-pw", temporary: false } });
    const login = async (scopeParam) => {
      const form = { grant_type: "password", client_id: "desk", username: "nora", password: "nora-pw" };
      if (scopeParam) form.scope = scopeParam;
      const response = await fetch(`${baseUrl}/realms/${REALM}/protocol/openid-connect/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form),
      });
      assert.equal(response.status, 200, await response.clone().text());
      const body = await response.json();
      return { token: claims(body.access_token), scope: body.scope };
    };
    let { token, scope: granted } = await login();
    assert.ok(audiences(token).includes("orders"), JSON.stringify(token));
    assert.equal(token.tier, "gold");
    assert.ok(granted.split(" ").includes("orders-api"));

    // The mapper changed: the next token follows.
    await admin.clientScopes.updateProtocolMapper({ id: scope.id, mapperId: tier.id }, {
      ...tier, config: { ...tier.config, "claim.value": "silver" },
    });
    assert.equal((await login()).token.tier, "silver");

    // An optional scope of the client instead: only when asked for.
    await admin.clients.delDefaultClientScope({ id: deskId, clientScopeId: scope.id });
    await admin.clients.addOptionalClientScope({ id: deskId, clientScopeId: scope.id });
    assert.ok((await admin.clients.listOptionalClientScopes({ id: deskId })).some((s) => s.name === "orders-api"));
    assert.ok(!audiences((await login()).token).includes("orders"));
    assert.ok(audiences((await login("orders-api")).token).includes("orders"));

    // The scope's scope mappings: a realm role in its scope.
    await admin.roles.create({ name: "orders-reader" });
    const reader = await admin.roles.findOneByName({ name: "orders-reader" });
    await admin.clientScopes.addRealmScopeMappings({ id: scope.id }, [{ id: reader.id, name: reader.name }]);
    assert.deepEqual(names(await admin.clientScopes.listRealmScopeMappings({ id: scope.id })), ["orders-reader"]);
    assert.ok(!(await admin.clientScopes.listAvailableRealmScopeMappings({ id: scope.id }))
      .some((r) => r.name === "orders-reader"));
    assert.deepEqual(names(await admin.clientScopes.listCompositeRealmScopeMappings({ id: scope.id })), ["orders-reader"]);
    assert.deepEqual(names((await admin.clientScopes.listScopeMappings({ id: scope.id })).realmMappings), ["orders-reader"]);
    await admin.clientScopes.delRealmScopeMappings({ id: scope.id }, [{ id: reader.id, name: reader.name }]);
    assert.deepEqual(await admin.clientScopes.listRealmScopeMappings({ id: scope.id }), []);

    // Taken apart again.
    await admin.clientScopes.delProtocolMapper({ id: scope.id, mapperId: tier.id });
    assert.deepEqual(names(await admin.clientScopes.listProtocolMappers({ id: scope.id })), ["orders audience"]);
    await admin.clientScopes.delDefaultClientScope({ id: scope.id });
    assert.ok(!(await admin.clientScopes.listDefaultClientScopes()).some((s) => s.name === "orders-api"));
    await admin.clientScopes.update({ id: scope.id }, { ...scope, name: "orders" });
    assert.equal((await admin.clientScopes.findOne({ id: scope.id })).name, "orders");
    await admin.clientScopes.delByName({ name: "orders" });
    assert.equal(await admin.clientScopes.findOneByName({ name: "orders" }), undefined);
    assert.equal(await admin.clientScopes.findOne({ id: scope.id }), null);
  } finally {
    admin.setConfig({ realmName: "master" });
    await admin.realms.del({ realm: REALM });
  }
});
