// Signature algorithms with `jose` (npm), as a Node relying party verifies Keycloak's
// tokens: the realm's JWKS fetched by `createRemoteJWKSet`, `jwtVerify` with the issuer
// and an algorithm allow-list. The operator side is the official admin client: a realm
// signing ES256 (`defaultSignatureAlgorithm`), an EdDSA key provider, and a client with
// EdDSA ID tokens and PS256 access tokens.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import KcAdminClient from "@keycloak/keycloak-admin-client";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { startLatchkey } from "./latchkey.js";

const REALM = "compat-node-algs";

let latchkey;

before(async () => {
  latchkey = await startLatchkey();
});

after(async () => {
  if (latchkey) await latchkey.stop();
});

async function passwordGrant(clientId) {
  const response = await fetch(`${latchkey.baseUrl}/realms/${REALM}/protocol/openid-connect/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "password",
      client_id: clientId,
      username: "dana",
      password: "dana-pw",
      scope: "openid",
    }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return response.json();
}

test("ES256, EdDSA and PS256 tokens verify with jose against the published JWKS", async () => {
  const admin = new KcAdminClient({ baseUrl: latchkey.baseUrl, realmName: "master" });
  await admin.auth({ grantType: "password", clientId: "admin-cli", username: "admin", password: "admin" });
  await admin.realms.create({
    realm: REALM,
    enabled: true,
    defaultSignatureAlgorithm: "ES256",
    clients: [
      { clientId: "web", publicClient: true, directAccessGrantsEnabled: true },
      {
        clientId: "mixed",
        publicClient: true,
        directAccessGrantsEnabled: true,
        attributes: {
          "access.token.signed.response.alg": "PS256",
          "id.token.signed.response.alg": "EdDSA",
        },
      },
    ],
    users: [
      {
        username: "dana",
        enabled: true,
        credentials: [{ type: "password", value: "dana-pw", temporary: false }],
      },
    ],
  });
  try {
    admin.setConfig({ realmName: REALM });
    const realm = await admin.realms.findOne({ realm: REALM });
    assert.equal(realm.defaultSignatureAlgorithm, "ES256");
    await admin.components.create({
      name: "ed",
      providerId: "eddsa-generated",
      providerType: "org.keycloak.keys.KeyProvider",
      parentId: realm.id,
      config: { priority: ["100"] },
    });
    const providers = await admin.components.find({ type: "org.keycloak.keys.KeyProvider" });
    assert.ok(providers.some((p) => p.providerId === "eddsa-generated" && p.name === "ed"), JSON.stringify(providers));

    const discovery = await (
      await fetch(`${latchkey.baseUrl}/realms/${REALM}/.well-known/openid-configuration`)
    ).json();
    for (const alg of ["ES256", "EdDSA", "PS256", "RS256"]) {
      assert.ok(discovery.id_token_signing_alg_values_supported.includes(alg), alg);
    }
    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
    const issuer = discovery.issuer;

    const web = await passwordGrant("web");
    assert.equal(decodeProtectedHeader(web.access_token).alg, "ES256");
    const access = await jwtVerify(web.access_token, jwks, { issuer, algorithms: ["ES256"] });
    assert.equal(access.payload.preferred_username, "dana");
    await jwtVerify(web.id_token, jwks, { issuer, audience: "web", algorithms: ["ES256"] });
    // The allow-list is the relying party's: an ES256 token is refused where only RS256 is allowed.
    await assert.rejects(jwtVerify(web.access_token, jwks, { issuer, algorithms: ["RS256"] }));

    const mixed = await passwordGrant("mixed");
    assert.equal(decodeProtectedHeader(mixed.access_token).alg, "PS256");
    assert.equal(decodeProtectedHeader(mixed.id_token).alg, "EdDSA");
    await jwtVerify(mixed.access_token, jwks, { issuer, algorithms: ["PS256"] });
    const id = await jwtVerify(mixed.id_token, jwks, { issuer, audience: "mixed", algorithms: ["EdDSA"] });
    assert.equal(id.payload.typ, "ID");
    assert.equal(id.protectedHeader.kid, decodeProtectedHeader(mixed.id_token).kid);
  } finally {
    admin.setConfig({ realmName: "master" });
    await admin.realms.del({ realm: REALM });
  }
});
