"""python-keycloak's KeycloakOpenID against latchkey, as a CRM written for Keycloak uses it."""

import pytest
from jwcrypto import jwk
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakPostError


@pytest.fixture
def crm(base_url):
    return KeycloakOpenID(server_url=base_url, realm_name="nagra", client_id="crm_client")


@pytest.fixture
def confidential(base_url):
    return KeycloakOpenID(
        server_url=base_url, realm_name="compat", client_id="compat-confidential",
        client_secret_key="compat-secret",
    )


def test_seed_login_and_refresh(crm):
    token = crm.token("crm_client_user", "1234", scope="profile email")
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == 300
    assert token["refresh_expires_in"] == 1800
    assert token["scope"] == "profile email"
    assert token["not-before-policy"] == 0
    refreshed = crm.refresh_token(token["refresh_token"])
    assert refreshed["session_state"] == token["session_state"]
    assert refreshed["access_token"] != token["access_token"]


def test_decode_token_verifies_with_jwks_and_with_the_realm_public_key(crm):
    token = crm.token("crm_client_user", "1234")
    claims = crm.decode_token(token["access_token"])
    assert claims["preferred_username"] == "crm_client_user"
    assert claims["realm_access"]["roles"] == ["operatorRole"]
    assert claims["iss"].endswith("/keycloak/auth/realms/nagra")
    pem = "-----BEGIN PUBLIC KEY-----\n" + crm.public_key() + "\n-----END PUBLIC KEY-----"
    key = jwk.JWK.from_pem(pem.encode())
    assert crm.decode_token(token["access_token"], key=key)["sub"] == claims["sub"]


def test_openid_scope_gives_id_token_and_userinfo(crm):
    token = crm.token("crm_client_user", "1234")
    assert "id_token" in token
    assert token["scope"].split()[0] == "openid"
    info = crm.userinfo(token["access_token"])
    assert info["preferred_username"] == "crm_client_user"
    assert info["sub"] == crm.decode_token(token["access_token"])["sub"]


def test_logout_ends_the_session(crm):
    token = crm.token("crm_client_user", "1234")
    crm.logout(token["refresh_token"])
    with pytest.raises(KeycloakPostError) as error:
        crm.refresh_token(token["refresh_token"])
    assert error.value.response_code == 400
    assert b"Session not active" in error.value.response_body


def test_wrong_password_is_invalid_grant_400(crm):
    with pytest.raises(KeycloakPostError) as error:
        crm.token("crm_client_user", "wrong")
    assert error.value.response_code == 400
    assert b'"error":"invalid_grant"' in error.value.response_body
    assert b"Invalid user credentials" in error.value.response_body


def test_well_known_and_certs(crm, base_url):
    config = crm.well_known()
    assert config["issuer"] == base_url + "realms/nagra"
    assert config["token_endpoint"] == base_url + "realms/nagra/protocol/openid-connect/token"
    keys = crm.certs()["keys"]
    assert [k["alg"] for k in keys] == ["RS256"]


def test_introspect_with_a_confidential_client(confidential):
    token = confidential.token("alice", "alice-password")
    active = confidential.introspect(token["access_token"])
    assert active["active"] is True
    assert active["username"] == "alice"
    assert active["client_id"] == "compat-confidential"
    assert confidential.introspect("not-a-token") == {"active": False}


def test_client_credentials(confidential):
    token = confidential.token(grant_type="client_credentials")
    assert token["token_type"] == "Bearer"
    assert "refresh_token" not in token
    claims = confidential.decode_token(token["access_token"])
    assert claims["preferred_username"] == "service-account-compat-confidential"
    assert claims["azp"] == "compat-confidential"
