"""An independent OAuth2 client (Authlib) against the CAMARA flavour's authorization server: discovery,
the client credentials grant with client_secret_basic and client_secret_post, a scoped token, and the
API called with Authlib's session. Prints one JSON object of findings; the Rust test judges them.

Usage: oauth_client_credentials.py API_ROOT CLIENT_ID CLIENT_SECRET
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
