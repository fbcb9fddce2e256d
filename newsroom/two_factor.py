"""Time-based one-time codes (TOTP, RFC 6238) for the optional second factor of admin logins.

Works with any authenticator app (Google Authenticator, Microsoft Authenticator, 1Password,
네이버 앱's OTP): 6 digits, 30-second steps, SHA-1, as the apps expect. One step of clock drift
either way is accepted; a code is accepted once (TwoFactorDevice keeps the last step used).
"""

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

from .params import ascii_int

STEP_SECONDS = 30
DIGITS = 6


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode()


def code_at(secret: str, step: int) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def matching_step(secret: str, code: str, *, drift: int = 1) -> int | None:
    """The time step whose code this is (within the drift), or None."""
    code = "".join(code.split())
    # ASCII digits only: "①②③④⑤⑥" passes isdigit() and then breaks compare_digest.
    if len(code) != DIGITS or ascii_int(code, max_digits=DIGITS) is None:
        return None
    now = current_step()
    for step in range(now - drift, now + drift + 1):
        if hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    label = quote(f"{issuer}:{account}")
    query = urlencode(
        {"secret": secret, "issuer": issuer, "digits": DIGITS, "period": STEP_SECONDS}
    )
    return f"otpauth://totp/{label}?{query}"


def grouped(secret: str) -> str:
    """The key as people type it: groups of four."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
