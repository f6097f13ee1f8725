"""The egress policy of server code's outbound HTTP (adapters/outbound.py): which resolved
addresses a request may reach. Literal addresses only: no lookup leaves the machine."""

from __future__ import annotations

import pytest

from chalicelib.adapters.outbound import OutboundHttp, Refused, parse_rules


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "::1",
        "::ffff:127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.100.100.200",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "fd00:ec2::254",
        "fe80::1",
    ],
)
def test_internal_and_metadata_addresses_are_refused_by_default(host: str) -> None:
    with pytest.raises(Refused):
        OutboundHttp().check(host, 80)


def test_public_addresses_are_allowed_by_default() -> None:
    assert str(OutboundHttp().check("93.184.216.34", 443)) == "93.184.216.34"


def test_an_allowed_host_and_port_opens_that_port_only() -> None:
    policy = OutboundHttp(allow=parse_rules("127.0.0.1:9999"))
    assert str(policy.check("127.0.0.1", 9999)) == "127.0.0.1"
    with pytest.raises(Refused):
        policy.check("127.0.0.1", 9998)


def test_an_allowed_network_opens_every_address_in_it() -> None:
    policy = OutboundHttp(allow=parse_rules("10.1.0.0/16, [::1]:8080"))
    assert str(policy.check("10.1.200.3", 80)) == "10.1.200.3"
    assert str(policy.check("::1", 8080)) == "::1"
    with pytest.raises(Refused):
        policy.check("10.2.0.1", 80)


def test_deny_wins_over_allow_and_closes_public_addresses_too() -> None:
    policy = OutboundHttp(allow=parse_rules("10.0.0.0/8"), deny=parse_rules("10.9.0.0/16,93.184.216.34"))
    assert str(policy.check("10.1.0.1", 80)) == "10.1.0.1"
    for host in ("10.9.1.1", "93.184.216.34"):
        with pytest.raises(Refused):
            policy.check(host, 80)


def test_names_are_checked_by_the_addresses_they_resolve_to() -> None:
    with pytest.raises(Refused):
        OutboundHttp().check("localhost", 80)  # /etc/hosts: nothing leaves the machine
    assert OutboundHttp(allow=parse_rules("localhost:9999")).check("localhost", 9999).is_loopback
