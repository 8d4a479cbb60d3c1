"""Standard Webhooks signatures and the secret's storage.

Signature: ``v1,<base64 HMAC-SHA256(key, f"{id}.{timestamp}.{body}")>`` where the key is
the base64-decoded part of the ``whsec_…`` secret, computed by the spec's own library
(``standardwebhooks``), the one receivers verify with. The secret is kept encrypted with a
key derived from SECRET_KEY, because signing needs it in clear.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime, timezone

from cryptography.fernet import Fernet, InvalidToken
from standardwebhooks.webhooks import Webhook

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    return Webhook(secret).sign(message_id, datetime.fromtimestamp(timestamp, timezone.utc), body.decode())


def _fernet(secret_key: str) -> Fernet:
    derived = hashlib.sha256(b"qingwang.webhook-secret:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(secret: str, secret_key: str) -> str:
    return _fernet(secret_key).encrypt(secret.encode()).decode()


def unseal(sealed: str, secret_key: str) -> str:
    try:
        return _fernet(secret_key).decrypt(sealed.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("the webhook secret cannot be decrypted: was SECRET_KEY changed?") from exc
