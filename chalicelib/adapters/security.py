"""Password hashing with scrypt (a slow, memory-hard KDF) and the system clock.

The cost follows OWASP's password storage cheat sheet: scrypt N=2^17, r=8, p=1 (128 MiB of
memory per hash: ``maxmem`` must be at least 128·r·N bytes). Hashes made at another cost still
verify, and are replaced at the user's next login (``needs_rehash``)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

MAX_LOG2_N = 20


@dataclass(frozen=True)
class ScryptHasher:
    """Encodes as ``scrypt$<log2 n>$<r>$<p>$<salt>$<hash>`` so the cost can change later
    while old hashes still verify."""

    log2_n: int = 17
    r: int = 8
    p: int = 1

    def hash(self, password: str) -> str:
        salt = secrets.token_bytes(16)
        digest = self._derive(password, salt, self.log2_n, self.r, self.p)
        return "$".join(["scrypt", str(self.log2_n), str(self.r), str(self.p), _b64(salt), _b64(digest)])

    def needs_rehash(self, encoded: str) -> bool:
        parts = encoded.split("$")
        return (
            len(parts) != 6
            or parts[0] != "scrypt"
            or parts[1:4] != [str(self.log2_n), str(self.r), str(self.p)]
        )

    def verify(self, password: str, encoded: str) -> bool:
        try:
            scheme, log2_n, r, p, salt, digest = encoded.split("$")
        except ValueError:
            return False
        if scheme != "scrypt":
            return False
        if not (log2_n.isdigit() and r.isdigit() and p.isdigit()) or int(log2_n) > MAX_LOG2_N:
            return False
        actual = self._derive(password, _unb64(salt), int(log2_n), int(r), int(p))
        return hmac.compare_digest(actual, _unb64(digest))

    @staticmethod
    def _derive(password: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
        # maxmem: 128·r·N bytes of working memory plus scrypt's own slack.
        return hashlib.scrypt(
            password.encode(), salt=salt, n=2**log2_n, r=r, p=p, maxmem=129 * r * 2**log2_n + 2**20, dklen=32
        )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SystemClock:
    def now_ms(self) -> int:
        return int(time.time() * 1000)


class ManualClock:
    """The in-memory clock: time moves only when told, plus ``step_ms`` per reading, so that
    successive instants stay distinct and ordered. Tests drive every instant through it
    (activations, ticks, token and code expiry), independent of the machine's date."""

    def __init__(self, start_ms: int, step_ms: int = 1) -> None:
        self._now, self._step = start_ms, step_ms
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        with self._lock:
            now, self._now = self._now, self._now + self._step
            return now

    def set(self, now_ms: int) -> None:
        with self._lock:
            self._now = now_ms

    def advance(self, ms: int) -> None:
        with self._lock:
            self._now += ms
