"""Signature algorithms with python-keycloak: an operator script switches a realm to ES256,
adds an EdDSA key provider and gives a client EdDSA ID tokens and signed userinfo, and the
relying party's `decode_token(validate=True)` (jwcrypto, with the keys python-keycloak
fetches from the JWKS itself) accepts every token. As Keycloak 26 would answer.
"""

import base64
import json

import pytest
from keycloak import KeycloakOpenID

REALM = "compat-algs"
USER = ("erin", "erin-password")


def header(token: str) -> dict:
    piece = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4)))


@pytest.fixture
def algs_realm(admin, base_url):
    admin.create_realm(
        payload={
            "realm": REALM,
            "enabled": True,
            "defaultSignatureAlgorithm": "ES256",
            "clients": [
                {"clientId": "shop", "publicClient": True, "directAccessGrantsEnabled": True},
            ],
            "users": [
                {
                    "username": USER[0],
                    "enabled": True,
                    "email": "erin@example.com",
                    "credentials": [{"type": "password", "value": USER[1], "temporary": False}],
                }
            ],
        }
    )
    admin.change_current_realm(REALM)
    try:
        yield admin
    finally:
        admin.change_current_realm("master")
        admin.delete_realm(REALM)


def test_es256_tokens_decode_with_validation(algs_realm, base_url):
    shop = KeycloakOpenID(server_url=base_url, realm_name=REALM, client_id="shop")
    token = shop.token(*USER)
    for name in ("access_token", "id_token"):
        assert header(token[name])["alg"] == "ES256"
        claims = shop.decode_token(token[name], validate=True)
        assert claims["preferred_username"] == USER[0]
    # The key Keycloak would have made for it: `fallback-ES256`, priority -100.
    components = algs_realm.get_components(query={"type": "org.keycloak.keys.KeyProvider"})
    fallback = next(c for c in components if c["name"] == "fallback-ES256")
    assert fallback["providerId"] == "ecdsa-generated"
    assert fallback["config"]["priority"] == ["-100"]
    keys = algs_realm.get_keys()
    es256 = keys["active"]["ES256"]
    assert header(token["access_token"])["kid"] == es256
    listed = next(k for k in keys["keys"] if k["kid"] == es256)
    assert (listed["type"], listed["status"], listed["use"]) == ("EC", "ACTIVE", "SIG")


def test_an_eddsa_provider_signs_a_clients_id_tokens_and_userinfo(algs_realm, base_url):
    component_id = algs_realm.create_component(
        payload={
            "name": "ed",
            "providerId": "eddsa-generated",
            "providerType": "org.keycloak.keys.KeyProvider",
            "parentId": algs_realm.get_realm(REALM)["id"],
            "config": {"priority": ["50"]},
        }
    )
    assert algs_realm.get_component(component_id)["config"]["eddsaEllipticCurveKey"] == ["Ed25519"]
    client_id = algs_realm.get_client_id("shop")
    algs_realm.update_client(
        client_id,
        {
            "clientId": "shop",
            "attributes": {
                "id.token.signed.response.alg": "EdDSA",
                "user.info.response.signature.alg": "EdDSA",
            },
        },
    )
    shop = KeycloakOpenID(server_url=base_url, realm_name=REALM, client_id="shop")
    token = shop.token(*USER)
    assert header(token["access_token"])["alg"] == "ES256"
    assert header(token["id_token"])["alg"] == "EdDSA"
    id_claims = shop.decode_token(token["id_token"], validate=True)
    assert id_claims["aud"] == "shop"
    assert shop.decode_token(token["access_token"], validate=True)["sub"] == id_claims["sub"]

    # Signed userinfo comes back as the JWT's bytes (application/jwt, not JSON).
    signed = shop.userinfo(token["access_token"])
    assert isinstance(signed, bytes)
    info = shop.decode_token(signed.decode(), validate=True)
    assert (info["sub"], info["aud"], info["email"]) == (id_claims["sub"], "shop", "erin@example.com")
    assert header(signed.decode())["alg"] == "EdDSA"

    # The provider made passive: no longer signs, still verifies the tokens it signed.
    algs_realm.update_component(component_id, {"config": {"active": ["false"]}})
    assert shop.decode_token(token["id_token"], validate=True)["sub"] == id_claims["sub"]
    keys = algs_realm.get_keys()
    assert next(k for k in keys["keys"] if k["providerId"] == component_id)["status"] == "PASSIVE"
    newer = shop.token(*USER)
    assert header(newer["id_token"])["kid"] != header(token["id_token"])["kid"]
    shop.decode_token(newer["id_token"], validate=True)
