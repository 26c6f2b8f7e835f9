"""python-keycloak's KeycloakOpenID against latchkey, used the way a CRM written for Keycloak uses it.

Realm `nagra` is the seed's realm (public client `crm_client` with the lower-case "bearer"
token type); realm `compat` (compat/fixtures/compat-realm.json) adds confidential clients.
Expected values follow Keycloak 26 (see /work/shared/spec/keycloak-protocol.md).
"""

import asyncio
import base64
import hashlib
import json

import pytest
from jwcrypto import jwk, jws, jwt
from keycloak import KeycloakOpenID
from keycloak.exceptions import (
    KeycloakAuthenticationError,
    KeycloakError,
    KeycloakGetError,
    KeycloakPostError,
)

SEED_USER = ("crm_client_user", "1234")
ALICE = ("alice", "alice-password")


def segment(token: str, index: int) -> dict:
    piece = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(piece + "=" * (-len(piece) % 4)))


def header(token: str) -> dict:
    return segment(token, 0)


def error_body(error: KeycloakError) -> dict:
    return json.loads(error.response_body)


@pytest.fixture
def crm(base_url):
    return KeycloakOpenID(server_url=base_url, realm_name="nagra", client_id="crm_client")


@pytest.fixture
def confidential(base_url):
    return KeycloakOpenID(
        server_url=base_url, realm_name="compat", client_id="compat-confidential",
        client_secret_key="compat-secret",
    )


@pytest.fixture
def compat_public(base_url):
    return KeycloakOpenID(server_url=base_url, realm_name="compat", client_id="compat-public")


@pytest.fixture
def resource_server(base_url):
    """A confidential client that only introspects; compat-public's tokens name it in `aud`."""
    return KeycloakOpenID(
        server_url=base_url, realm_name="compat", client_id="compat-resource",
        client_secret_key="resource-secret",
    )


# --- password grant ----------------------------------------------------------------------


def test_seed_password_grant_response_matches_the_seed(crm, base_url):
    token = crm.token(*SEED_USER, scope="profile email")
    assert set(token) == {
        "access_token", "expires_in", "refresh_expires_in", "refresh_token", "token_type",
        "not-before-policy", "session_state", "scope",
    }
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == 300
    assert token["refresh_expires_in"] == 1800
    assert token["scope"] == "profile email"
    assert token["not-before-policy"] == 0
    assert token["session_state"]

    claims = crm.decode_token(token["access_token"], validate=True)
    assert header(token["access_token"])["alg"] == "RS256"
    assert claims["iss"] == base_url + "realms/nagra"
    # Keycloak 26 sets the access token's `typ` through the same lower-case switch as the
    # response (TokenManager.initToken -> formatTokenType); the seed's older server said "Bearer".
    assert claims["typ"].lower() == "bearer"
    assert claims["azp"] == "crm_client"
    assert claims["preferred_username"] == "crm_client_user"
    assert claims["realm_access"]["roles"] == ["operatorRole"]
    assert claims["scope"] == "profile email"
    assert claims["exp"] - claims["iat"] == 300
    assert claims["sid"] == token["session_state"]
    assert claims["session_state"] == token["session_state"]  # nagra's session_state mapper

    refresh = token["refresh_token"]
    assert header(refresh)["alg"] == "HS256"
    refresh_claims = crm.decode_token(refresh, validate=False)
    assert refresh_claims["typ"] == "Refresh"
    assert refresh_claims["azp"] == "crm_client"
    assert refresh_claims["sub"] == claims["sub"]
    assert refresh_claims["iss"] == base_url + "realms/nagra"
    assert refresh_claims["exp"] - refresh_claims["iat"] == 1800


def test_empty_scope_like_the_seed_request(crm):
    # The seed sends no scope; python-keycloak then sends an empty `scope=`.
    token = crm.token(*SEED_USER, scope="")
    assert token["scope"] == "profile email"
    assert "id_token" not in token


def test_python_keycloak_default_scope_openid_adds_an_id_token(crm, base_url):
    # KeycloakOpenID.token() sends scope=openid unless told otherwise.
    token = crm.token(*SEED_USER)
    assert set(token["scope"].split()) == {"openid", "profile", "email"}  # order is not fixed
    assert token["token_type"] == "bearer"
    id_claims = crm.decode_token(token["id_token"], validate=True)
    access_claims = crm.decode_token(token["access_token"], validate=True)
    assert id_claims["typ"] == "ID"
    assert id_claims["aud"] == "crm_client"
    assert id_claims["azp"] == "crm_client"
    assert id_claims["iss"] == base_url + "realms/nagra"
    assert id_claims["sub"] == access_claims["sub"]
    assert id_claims["sid"] == token["session_state"]


def test_admin_user_gets_admin_role_only(crm):
    token = crm.token("admin_user", "admin1234", scope="profile email")
    claims = crm.decode_token(token["access_token"])
    assert claims["preferred_username"] == "admin_user"
    assert claims["realm_access"]["roles"] == ["adminRole"]


@pytest.mark.parametrize("username,password", [("crm_client_user", "wrong"), ("nobody", "1234")])
def test_bad_credentials_are_400_invalid_grant(crm, username, password):
    with pytest.raises(KeycloakPostError) as error:
        crm.token(username, password)
    assert error.value.response_code == 400  # Keycloak >= 26.6 (401 before)
    assert error_body(error.value) == {
        "error": "invalid_grant", "error_description": "Invalid user credentials",
    }


def test_client_without_direct_access_grants_is_refused(resource_server):
    with pytest.raises(KeycloakPostError) as error:
        resource_server.token(*ALICE)
    assert error.value.response_code == 400
    assert error_body(error.value) == {
        "error": "unauthorized_client",
        "error_description": "Client not allowed for direct access grants",
    }


# --- refresh and logout ------------------------------------------------------------------


def test_refresh_token_gives_new_tokens_in_the_same_session(crm):
    token = crm.token(*SEED_USER, scope="profile email")
    refreshed = crm.refresh_token(token["refresh_token"])
    assert refreshed["token_type"] == "bearer"
    assert refreshed["expires_in"] == 300
    assert refreshed["refresh_expires_in"] == 1800
    assert refreshed["scope"] == "profile email"
    assert refreshed["session_state"] == token["session_state"]
    assert refreshed["access_token"] != token["access_token"]
    assert refreshed["refresh_token"] != token["refresh_token"]
    old = crm.decode_token(token["access_token"])
    new = crm.decode_token(refreshed["access_token"])
    assert new["sub"] == old["sub"]
    assert new["jti"] != old["jti"]
    assert new["realm_access"]["roles"] == ["operatorRole"]
    # "Revoke Refresh Token" is off by default: the older refresh token still works.
    assert crm.refresh_token(token["refresh_token"])["session_state"] == token["session_state"]


def test_logout_ends_the_session(crm):
    token = crm.token(*SEED_USER)
    assert crm.logout(token["refresh_token"]) == {}  # 204 No Content
    with pytest.raises(KeycloakPostError) as error:
        crm.refresh_token(token["refresh_token"])
    assert error.value.response_code == 400
    assert error_body(error.value) == {
        "error": "invalid_grant", "error_description": "Session not active",
    }
    # Logging out a session that is already gone is still 204.
    assert crm.logout(token["refresh_token"]) == {}


def test_refresh_with_garbage_is_invalid_grant(crm):
    with pytest.raises(KeycloakPostError) as error:
        crm.refresh_token("not-a-token")
    assert error.value.response_code == 400
    assert error_body(error.value) == {
        "error": "invalid_grant", "error_description": "Invalid refresh token",
    }


def test_async_api_login_refresh_logout(base_url):
    async def flow():
        client = KeycloakOpenID(server_url=base_url, realm_name="nagra", client_id="crm_client")
        try:
            token = await client.a_token(*SEED_USER, scope="profile email")
            refreshed = await client.a_refresh_token(token["refresh_token"])
            await client.a_logout(refreshed["refresh_token"])
            with pytest.raises(KeycloakPostError) as error:
                await client.a_refresh_token(refreshed["refresh_token"])
            return token, refreshed, error.value
        finally:
            await client.connection.aclose()

    token, refreshed, error = asyncio.run(flow())
    assert token["token_type"] == "bearer"
    assert refreshed["session_state"] == token["session_state"]
    assert error.response_code == 400
    assert error_body(error)["error_description"] == "Session not active"


# --- userinfo ----------------------------------------------------------------------------


def test_userinfo_with_openid_scope(confidential):
    token = confidential.token(*ALICE, scope="openid profile email")
    info = confidential.userinfo(token["access_token"])
    claims = confidential.decode_token(token["access_token"])
    assert info["sub"] == claims["sub"]
    assert info["preferred_username"] == "alice"
    assert info["email"] == "alice@example.com"
    assert info["email_verified"] is True
    assert info["given_name"] == "Alice"
    assert info["family_name"] == "Liddell"
    assert info["name"] == "Alice Liddell"


def test_userinfo_of_the_seed_user(crm):
    token = crm.token(*SEED_USER, scope="openid")
    info = crm.userinfo(token["access_token"])
    assert info["preferred_username"] == "crm_client_user"
    assert info["email_verified"] is False
    assert info["sub"] == crm.decode_token(token["access_token"])["sub"]


def test_userinfo_without_openid_scope_is_403(crm):
    token = crm.token(*SEED_USER, scope="profile email")
    with pytest.raises(KeycloakGetError) as error:
        crm.userinfo(token["access_token"])
    assert error.value.response_code == 403  # insufficient_scope: Missing openid scope


def test_userinfo_after_logout_is_401(crm):
    token = crm.token(*SEED_USER)
    crm.logout(token["refresh_token"])
    with pytest.raises(KeycloakAuthenticationError) as error:
        crm.userinfo(token["access_token"])
    assert error.value.response_code == 401


# --- introspection -----------------------------------------------------------------------


def test_introspect_with_a_confidential_client(confidential, base_url):
    token = confidential.token(*ALICE, scope="profile email")
    claims = confidential.decode_token(token["access_token"])
    active = confidential.introspect(token["access_token"])
    assert active["active"] is True
    assert active["username"] == "alice"
    assert active["client_id"] == "compat-confidential"
    assert active["sub"] == claims["sub"]
    assert active["exp"] == claims["exp"]
    assert active["iss"] == base_url + "realms/compat"
    assert active["token_type"] == "Bearer"
    assert active["scope"] == "profile email"
    assert active["realm_access"]["roles"] == ["operatorRole"]

    assert confidential.introspect("not-a-token") == {"active": False}

    confidential.logout(token["refresh_token"])
    assert confidential.introspect(token["access_token"]) == {"active": False}


def test_introspect_checks_the_audience(resource_server, compat_public, confidential):
    # Keycloak >= 26.6.2: a client sees only tokens whose `aud` names it.
    for_resource = compat_public.token(*ALICE, scope="profile email")
    assert compat_public.decode_token(for_resource["access_token"])["aud"] == "compat-resource"
    active = resource_server.introspect(for_resource["access_token"])
    assert active["active"] is True
    assert active["client_id"] == "compat-public"
    assert active["username"] == "alice"

    not_for_resource = confidential.token(*ALICE, scope="profile email")
    assert resource_server.introspect(not_for_resource["access_token"]) == {"active": False}


def test_public_client_may_not_introspect(crm):
    token = crm.token(*SEED_USER)
    with pytest.raises(KeycloakPostError) as error:
        crm.introspect(token["access_token"])
    assert error.value.response_code == 403
    assert error_body(error.value) == {
        "error": "invalid_request", "error_description": "Client not allowed.",
    }


# --- discovery and keys ------------------------------------------------------------------


def test_well_known(crm, base_url):
    config = crm.well_known()
    realm = base_url + "realms/nagra"
    oidc = realm + "/protocol/openid-connect"
    assert config["issuer"] == realm
    assert config["token_endpoint"] == oidc + "/token"
    assert config["introspection_endpoint"] == oidc + "/token/introspect"
    assert config["userinfo_endpoint"] == oidc + "/userinfo"
    assert config["end_session_endpoint"] == oidc + "/logout"
    assert config["jwks_uri"] == oidc + "/certs"
    assert config["revocation_endpoint"] == oidc + "/revoke"
    assert {"password", "refresh_token", "client_credentials"} <= set(
        config["grant_types_supported"]
    )
    assert {"client_secret_basic", "client_secret_post"} <= set(
        config["token_endpoint_auth_methods_supported"]
    )
    assert "RS256" in config["id_token_signing_alg_values_supported"]
    assert "openid" in config["scopes_supported"]


def test_certs_publish_the_signing_key(crm):
    token = crm.token(*SEED_USER)
    keys = crm.certs()["keys"]
    assert all(k["kty"] != "oct" for k in keys), "HMAC keys are never published"
    signing = [k for k in keys if k.get("use") == "sig"]
    kid = header(token["access_token"])["kid"]
    matching = [k for k in signing if k["kid"] == kid]
    assert len(matching) == 1
    key = matching[0]
    assert key["kty"] == "RSA"
    assert key["alg"] == "RS256"
    assert key["e"] and key["n"]
    # The key in the JWKS verifies the token (what decode_token does by default).
    assert crm.decode_token(token["access_token"], key=jwk.JWK(**key))["azp"] == "crm_client"


def test_certs_carry_a_certificate_for_each_key(crm):
    # Keycloak publishes a self-signed certificate per RSA key (x5c) with its thumbprints;
    # clients that pin or load keys from certificates read these.
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    key = crm.certs()["keys"][0]
    der = base64.b64decode(key["x5c"][0])
    cert = x509.load_der_x509_certificate(der)
    assert cert.subject.rfc4514_string() == "CN=nagra"
    numbers = cert.public_key().public_numbers()
    n = int.from_bytes(base64.urlsafe_b64decode(key["n"] + "=" * (-len(key["n"]) % 4)), "big")
    assert numbers.n == n and numbers.e == 65537
    cert.public_key().verify(
        cert.signature, cert.tbs_certificate_bytes,
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    def b64url(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    assert key["x5t"] == b64url(hashlib.sha1(der).digest())
    assert key["x5t#S256"] == b64url(hashlib.sha256(der).digest())


def test_decode_token_with_the_realm_public_key(crm):
    token = crm.token(*SEED_USER)
    pem = "-----BEGIN PUBLIC KEY-----\n" + crm.public_key() + "\n-----END PUBLIC KEY-----"
    key = jwk.JWK.from_pem(pem.encode())
    claims = crm.decode_token(token["access_token"], validate=True, key=key)
    assert claims["preferred_username"] == "crm_client_user"
    assert claims["azp"] == "crm_client"
    # The realm public key is the JWKS signing key.
    kid = header(token["access_token"])["kid"]
    published = next(k for k in crm.certs()["keys"] if k["kid"] == kid)
    assert key.export_public(as_dict=True)["n"] == published["n"]
    # A token changed after signing does not verify.
    head, payload, signature = token["access_token"].split(".")
    forged = dict(segment(token["access_token"], 1), realm_access={"roles": ["adminRole"]})
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    with pytest.raises(jws.InvalidJWSSignature):
        crm.decode_token(f"{head}.{forged_payload}.{signature}", validate=True, key=key)


def test_tokens_of_another_realm_do_not_verify(crm, confidential):
    other = confidential.token(*ALICE)
    with pytest.raises((jws.InvalidJWSSignature, jwt.JWTMissingKey)):
        crm.decode_token(other["access_token"], validate=True)


# --- client credentials ------------------------------------------------------------------


def test_client_credentials(confidential, base_url):
    token = confidential.token(grant_type="client_credentials")
    assert token["token_type"] == "Bearer"  # Keycloak 26 default (no lower-case attribute)
    assert token["expires_in"] == 300
    assert token["refresh_expires_in"] == 0
    assert "refresh_token" not in token
    claims = confidential.decode_token(token["access_token"])
    assert claims["preferred_username"] == "service-account-compat-confidential"
    assert claims["azp"] == "compat-confidential"
    assert claims["iss"] == base_url + "realms/compat"
    active = confidential.introspect(token["access_token"])
    assert active["active"] is True
    assert active["client_id"] == "compat-confidential"


def test_client_credentials_with_a_wrong_secret(base_url):
    impostor = KeycloakOpenID(
        server_url=base_url, realm_name="compat", client_id="compat-confidential",
        client_secret_key="wrong",
    )
    with pytest.raises(KeycloakAuthenticationError) as error:
        impostor.token(grant_type="client_credentials")
    assert error.value.response_code == 401
    assert error_body(error.value) == {
        "error": "unauthorized_client",
        "error_description": "Invalid client or Invalid client credentials",
    }


def test_public_client_cannot_use_client_credentials(compat_public):
    with pytest.raises(KeycloakError) as error:
        compat_public.token(grant_type="client_credentials")
    assert error.value.response_code == 401
    assert error_body(error.value) == {
        "error": "unauthorized_client",
        "error_description": "Public client not allowed to retrieve service account",
    }
