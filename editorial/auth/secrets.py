"""Password hashing (argon2) and API tokens (random, stored as SHA-256, compared in constant time)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing hash never matches."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token(kind: str) -> tuple[str, str]:
    """A fresh token and its visible prefix: ``edt_1a2b3c4d_<43 random characters>``."""
    prefix = f"{kind}_{secrets.token_hex(4)}"
    return f"{prefix}_{secrets.token_urlsafe(32)}", prefix


def split_token(token: str) -> str | None:
    """The visible prefix of a well-formed token, else ``None``."""
    parts = token.split("_", 2)
    if len(parts) != 3 or not all(parts) or len(parts[1]) != 8:
        return None
    return f"{parts[0]}_{parts[1]}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), stored_hash)
