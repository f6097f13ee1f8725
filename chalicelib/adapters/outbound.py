"""Outbound HTTP for server code (jQuery's ``$.ajax`` in the prelude), under an egress policy.

Kii let server code "call any external server using jQuery". karakuri makes the request from
the host, over pooled urllib3 connections, inside the execution's deadline and with a cap on
the response size. The policy blocks server-side request forgery: the host name is resolved
first and the request goes to the checked address (no second lookup for a rebinding DNS to
answer differently); loopback, private, link-local, shared, multicast, reserved and cloud
metadata addresses are refused unless ``KARAKURI_OUTBOUND_ALLOW`` names them
(``host[:port]`` or a CIDR) or they are the deployment's own API origin (``own_api``), and
``KARAKURI_OUTBOUND_DENY`` refuses more. Redirects are
followed here, each hop checked the same way. A refused call fails as a network error does,
and is logged.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import urllib3

log = logging.getLogger("karakuri.outbound")

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_REDIRECTS = 5
# AWS, GCP and Azure metadata answer on link-local addresses (refused as such); these are the
# others worth naming, refused even when a broad allow rule would admit them.
METADATA = (ipaddress.ip_network("fd00:ec2::254/128"), ipaddress.ip_network("100.100.100.200/32"))
SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: not the public Internet


class Refused(OSError):
    """The egress policy does not allow this destination (to server code: a network error)."""


@dataclass(frozen=True)
class Rule:
    """``host[:port]`` (a name or an address) or a CIDR network."""

    network: IpNetwork | None = None
    host: str | None = None
    port: int | None = None

    @classmethod
    def parse(cls, text: str) -> Rule:
        text = text.strip()
        if "/" in text:
            return cls(network=ipaddress.ip_network(text, strict=False))
        host, port = text, None
        if text.startswith("["):  # [::1]:8080
            host, _, rest = text[1:].partition("]")
            port = int(rest[1:]) if rest.startswith(":") else None
        elif text.count(":") == 1:
            host, raw = text.split(":")
            port = int(raw)
        return cls(host=host.lower(), port=port)

    def matches(self, name: str, address: IpAddress, port: int) -> bool:
        if self.network is not None:
            return address in self.network
        if self.port is not None and self.port != port:
            return False
        return self.host in (name.lower(), str(address))


def parse_rules(text: str) -> tuple[Rule, ...]:
    return tuple(Rule.parse(part) for part in text.split(",") if part.strip())


def own_api(base_url: str) -> tuple[Rule, ...]:
    """The deployment's own API (``KARAKURI_BASE_URL``, what ``Kii.getBaseURL()`` answers):
    server code on Kii called its app's REST and Thing-IF APIs with ``$.ajax``, and here that
    origin is reachable even where it is a loopback or private address (the local stack).
    Only its host and port: the operator configures it, a request's Host header never does."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return (Rule(host=parts.hostname.lower(), port=port),)


def _internal(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _internal(address.ipv4_mapped)
    return (
        not address.is_global
        or address.is_multicast
        or address in SHARED
        or any(address in net for net in METADATA)
    )


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    headers: dict[str, str]
    body: str


@dataclass
class OutboundHttp:
    allow: tuple[Rule, ...] = ()
    deny: tuple[Rule, ...] = ()
    max_response_bytes: int = 5 * 1024 * 1024
    _pools: dict[tuple[str, str, int, str], urllib3.HTTPConnectionPool] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, name: str, port: int, seconds: float = 5.0) -> IpAddress:
        """The address to connect to, or ``Refused``."""
        addresses = _resolve(name, port, seconds)
        for address in addresses:  # every answer must pass: the resolver could return any
            if any(rule.matches(name, address, port) for rule in self.deny):
                raise Refused(f"{name}:{port} ({address}) is denied by KARAKURI_OUTBOUND_DENY")
            allowed = any(rule.matches(name, address, port) for rule in self.allow)
            if _internal(address) and not allowed:
                raise Refused(f"{name}:{port} ({address}) is not a public address")
        return addresses[0]

    def request(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None, seconds: float
    ) -> Response:
        """One request, redirects followed; raises ``Refused``, ``TimeoutError`` or ``OSError``."""
        deadline = time.monotonic() + seconds
        for _ in range(MAX_REDIRECTS + 1):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("timeout")
            answer = self._once(method, url, headers, body, left)
            location = answer.headers.get("location")
            if answer.status in (301, 302, 303, 307, 308) and location:
                url = urljoin(url, location)
                if answer.status == 303 or (answer.status in (301, 302) and method == "POST"):
                    method, body = "GET", None
                continue
            return answer
        raise OSError("too many redirects")

    def _once(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None, seconds: float
    ) -> Response:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise OSError(f"unsupported URL: {url}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            address = self.check(parts.hostname, port, seconds)
        except Refused as refused:
            log.warning("outbound request refused: %s %s: %s", method, url, refused)
            raise
        pool = self._pool(parts.scheme, str(address), port, parts.hostname)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        sent = {k: v for k, v in headers.items() if k.lower() != "host"}
        sent["Host"] = parts.netloc.rpartition("@")[2]
        try:
            raw = pool.urlopen(
                method,
                path,
                body=body,
                headers=sent,
                redirect=False,
                retries=False,
                preload_content=False,
                timeout=urllib3.Timeout(total=seconds),
            )
        except (urllib3.exceptions.TimeoutError, TimeoutError):
            raise TimeoutError("timeout") from None
        except urllib3.exceptions.HTTPError as error:
            raise OSError(str(error)) from None
        try:
            data = raw.read(self.max_response_bytes + 1, decode_content=True)
        except (urllib3.exceptions.TimeoutError, TimeoutError):
            raise TimeoutError("timeout") from None
        except urllib3.exceptions.HTTPError as error:
            raise OSError(str(error)) from None
        finally:
            raw.release_conn()
        if len(data) > self.max_response_bytes:
            raise OSError(f"the response is larger than {self.max_response_bytes} bytes")
        charset = _charset(raw.headers.get("content-type", ""))
        return Response(
            raw.status,
            raw.reason or "",
            {k.lower(): v for k, v in raw.headers.items()},
            data.decode(charset, "replace"),
        )

    def _pool(self, scheme: str, address: str, port: int, hostname: str) -> urllib3.HTTPConnectionPool:
        key = (scheme, address, port, hostname)
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                extra: dict[str, Any] = {}
                if scheme == "https":  # connect to the checked address, verify the name
                    extra = {"server_hostname": hostname, "assert_hostname": hostname}
                    pool = urllib3.HTTPSConnectionPool(address, port, maxsize=4, **extra)
                else:
                    pool = urllib3.HTTPConnectionPool(address, port, maxsize=4)
                self._pools[key] = pool
            return pool

    def close(self) -> None:
        with self._lock:
            for pool in self._pools.values():
                pool.close()
            self._pools.clear()


def _resolve(name: str, port: int, seconds: float) -> list[IpAddress]:
    """The host's addresses; a lookup (which the resolver does not bound) waits at most
    ``seconds``, on a thread of its own that ends when the resolver answers."""
    try:
        return [ipaddress.ip_address(name.strip("[]"))]
    except ValueError:
        pass
    found: dict[str, Any] = {}

    def lookup() -> None:
        try:
            found["infos"] = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as error:
            found["error"] = error

    thread = threading.Thread(target=lookup, name="karakuri-dns", daemon=True)
    thread.start()
    thread.join(max(seconds, 0))
    if thread.is_alive():
        raise TimeoutError("timeout")
    if "error" in found:
        raise OSError(f"cannot resolve {name}: {found['error']}")
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found["infos"]]


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            try:
                "".encode(value.strip('"'))
                return value.strip('"')
            except LookupError:
                break
    return "utf-8"
