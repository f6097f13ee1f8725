"""Pure rules: login identities, user references, password hashing, IDs."""

from __future__ import annotations

import pytest

from chalicelib.adapters.security import ScryptHasher
from chalicelib.domain import ids
from chalicelib.services.auth import login_identity


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("alice", ("login_name", "alice")),
        ("a@example.com", ("email", "a@example.com")),
        ("EMAIL:a@example.com", ("email", "a@example.com")),
        ("email:a@example.com", ("email", "a@example.com")),
        ("+819012345678", ("phone", "+819012345678")),
        ("PHONE:JP-09012345678", ("phone", "JP-09012345678")),
        ("LOGIN_NAME:a@b", ("login_name", "a@b")),
        ("VENDOR_THING_ID:dev-1", (None, "dev-1")),
    ],
)
def test_login_username_names_an_identity(username: str, expected: tuple[str | None, str]) -> None:
    assert login_identity(username) == expected


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("me", "me", "me"),
        ("abc", "id", "abc"),
        ("EMAIL:a%40b.io", "email", "a@b.io"),
        ("PHONE:%2B8190", "phone", "+8190"),
        ("LOGIN_NAME:bob", "login_name", "bob"),
    ],
)
def test_user_path_references_are_decoded(raw: str, kind: str, value: str) -> None:
    ref = ids.parse_user_ref(raw)
    assert (ref.kind, ref.value) == (kind, value)


def test_generated_ids_have_kii_shapes() -> None:
    assert ids.USER_ID_PATTERN.match(ids.new_user_id())
    assert ids.new_thing_id().startswith("th.")
    assert ids.GROUP_ID_PATTERN.match(ids.new_group_id())
    first, second = ids.new_event_id(1000), ids.new_event_id(2000)
    assert first < second


def test_scrypt_hash_verifies_only_the_right_password_and_is_salted() -> None:
    hasher = ScryptHasher(log2_n=4)
    one, two = hasher.hash("secret"), hasher.hash("secret")
    assert one != two and one.startswith("scrypt$4$")
    assert hasher.verify("secret", one) and not hasher.verify("Secret", one)
    assert not hasher.verify("secret", "garbage")


def test_scrypt_default_cost_is_slow() -> None:
    assert ScryptHasher().log2_n >= 14
