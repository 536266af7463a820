"""An independent OAuth2 client (Authlib) against the CAMARA flavour's authorization server: discovery,
the client credentials grant with client_secret_basic, client_secret_post and (given a key)
private_key_jwt (Authlib's RFC 7523 client authentication), a scoped token, and the API called with
Authlib's session. Prints one JSON object of findings; the Rust test judges them.

Usage: oauth_client_credentials.py API_ROOT CLIENT_ID CLIENT_SECRET [JWT_CLIENT_ID PEM_FILE]
"""

import json
import sys

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.integrations.base_client.errors import OAuthError

root, client_id, client_secret = sys.argv[1:4]
found = {}

discovery = requests.get(f"{root}/.well-known/openid-configuration", timeout=10).json()
token_endpoint = discovery["token_endpoint"]
found["methods"] = discovery["token_endpoint_auth_methods_supported"]

for method in ("client_secret_basic", "client_secret_post"):
    session = OAuth2Session(
        client_id,
        client_secret,
        token_endpoint_auth_method=method,
        scope="quality-on-demand:sessions:create quality-on-demand:sessions:read",
    )
    token = session.fetch_token(token_endpoint, grant_type="client_credentials")
    created = session.post(
        f"{root}/quality-on-demand/v1/sessions",
        json={
            "qosProfile": "QOS_L",
            "device": {"phoneNumber": "+3692000001" if method.endswith("basic") else "+3692000002"},
            "applicationServer": {"ipv4Address": "198.51.100.7"},
            "duration": 600,
        },
        timeout=10,
    )
    deleted = session.delete(
        f"{root}/quality-on-demand/v1/sessions/{created.json().get('sessionId')}", timeout=10
    )
    found[method] = {
        "token_type": token["token_type"],
        "scope": token.get("scope"),
        "expires_in": token.get("expires_in"),
        "create_status": created.status_code,
        "delete_status": deleted.status_code,
        "delete_code": deleted.json().get("code") if deleted.content else None,
    }

if len(sys.argv) > 5:
    from authlib.oauth2.rfc7523 import PrivateKeyJWT, private_key_jwt_sign
    from joserfc.jwk import ECKey

    class ShortLivedPrivateKeyJWT(PrivateKeyJWT):
        """Authlib signs assertions for 3600 s by default; CAMARA allows at most 300 (the sandbox
        refuses longer ones, see findings["default_lifetime"])."""

        def sign(self, auth, token_endpoint):
            return private_key_jwt_sign(
                auth.client_secret,
                client_id=auth.client_id,
                token_endpoint=token_endpoint,
                header=self.headers,
                alg=self.alg,
                expires_in=120,
            )

    def jwt_session(key, signer, scope=None):
        session = OAuth2Session(
            jwt_client, key, token_endpoint_auth_method="private_key_jwt", scope=scope
        )
        session.register_client_auth_method(
            signer(token_endpoint, headers={"kid": "k1"}, alg="ES256")
        )
        return session

    jwt_client, pem_file = sys.argv[4:6]
    with open(pem_file) as f:
        pem = f.read()
    session = jwt_session(
        ECKey.import_key(pem),
        ShortLivedPrivateKeyJWT,
        "quality-on-demand:sessions:create quality-on-demand:sessions:read",
    )
    token = session.fetch_token(token_endpoint, grant_type="client_credentials")
    created = session.post(
        f"{root}/quality-on-demand/v1/sessions",
        json={
            "qosProfile": "QOS_L",
            "device": {"phoneNumber": "+3692000003"},
            "applicationServer": {"ipv4Address": "198.51.100.7"},
            "duration": 600,
        },
        timeout=10,
    )
    found["private_key_jwt"] = {
        "token_type": token["token_type"],
        "scope": token.get("scope"),
        "create_status": created.status_code,
    }
    # The same assertion signed by a key the sandbox does not know is refused.
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    stranger = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    session = jwt_session(ECKey.import_key(stranger), ShortLivedPrivateKeyJWT)
    try:
        session.fetch_token(token_endpoint, grant_type="client_credentials")
        found["stranger_key"] = "accepted"
    except OAuthError as e:
        found["stranger_key"] = e.error
    # Authlib's own default: an assertion that lives 3600 s.
    try:
        jwt_session(ECKey.import_key(pem), PrivateKeyJWT).fetch_token(
            token_endpoint, grant_type="client_credentials"
        )
        found["default_lifetime"] = "accepted"
    except OAuthError as e:
        found["default_lifetime"] = e.error

try:
    OAuth2Session(client_id, "wrong-secret").fetch_token(
        token_endpoint, grant_type="client_credentials"
    )
    found["wrong_secret"] = "accepted"
except OAuthError as e:
    found["wrong_secret"] = e.error

try:
    OAuth2Session(client_id, client_secret, scope="no-such:scope").fetch_token(
        token_endpoint, grant_type="client_credentials"
    )
    found["unknown_scope"] = "accepted"
except OAuthError as e:
    found["unknown_scope"] = e.error

print(json.dumps(found))
