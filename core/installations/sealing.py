"""Tokens at rest: sealed with Fernet (AES-128-CBC with an HMAC-SHA256, from ``cryptography``).

The key never lives in the database, so a copy of the database (a backup, a stolen disk) holds
no usable token. Several keys may be given, comma-separated, to rotate the key: the first seals,
every one opens, so tokens sealed with an older key keep working until they are next saved.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class TokenKeyError(ValueError):
    """The configured token key is not a Fernet key (32 url-safe base64-encoded bytes)."""


class SealBroken(Exception):
    """A stored token cannot be opened with any configured key (the key was changed or lost)."""


class TokenSeal:
    """Seals and opens tokens with the configured key(s)."""

    __slots__ = ("_fernet",)

    def __init__(self, keys: str) -> None:
        """``keys``: one Fernet key, or several separated by commas (the first seals)."""
        parts = [k.strip() for k in keys.split(",") if k.strip()]
        if not parts:
            raise TokenKeyError("the token key is empty")
        try:
            self._fernet = MultiFernet([Fernet(k.encode("ascii")) for k in parts])
        except (ValueError, UnicodeEncodeError):
            raise TokenKeyError(
                "the token key must be a Fernet key: make one with "
                '`python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"`'
            ) from None

    def seal(self, token: str | None) -> str | None:
        """The ciphertext of ``token`` (None stays None)."""
        if token is None:
            return None
        return self._fernet.encrypt(token.encode("utf-8")).decode("ascii")

    def open(self, sealed: str | None) -> str | None:
        """The token inside ``sealed`` (None stays None); raises :class:`SealBroken`."""
        if sealed is None:
            return None
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise SealBroken("a stored token cannot be opened with the configured key") from None
