"""Encrypted buckets (kii-rest-api.md §5.1): ``CRYPTO:{name}`` in every scope, apart from the
plain bucket of the same name, with queries, ACLs, bodies and hooks."""

from __future__ import annotations

from tests.conftest import Kii
from tests.functional.test_hooks import _entries, deploy, executions


def test_an_encrypted_bucket_stores_queries_and_deletes_apart_from_the_plain_one(kii: Kii) -> None:
    user_id, token = kii.register("alice")
    crypto = "/users/me/buckets/CRYPTO:notes"
    created = kii.call("POST", crypto + "/objects", {"secret": "s1", "n": 1}, token)
    assert created.status == 201, created.body
    assert created.headers["location"].endswith(
        f"/users/{user_id}/buckets/CRYPTO:notes/objects/{created.body['objectID']}"
    )
    kii.call("POST", crypto + "/objects", {"secret": "s2", "n": 2}, token)
    kii.call("POST", "/users/me/buckets/notes/objects", {"plain": True}, token)
    found = kii.call(
        "POST",
        crypto + "/query",
        {"bucketQuery": {"clause": {"type": "eq", "field": "n", "value": 2}}},
        token,
        "application/vnd.kii.QueryRequest+json",
    )
    assert [o["secret"] for o in found.body["results"]] == ["s2"]
    plain = kii.call(
        "POST", "/users/me/buckets/notes/query", {"bucketQuery": {"clause": {"type": "all"}}}, token
    )
    assert [o.get("plain") for o in plain.body["results"]] == [True]
    assert kii.call("DELETE", f"{crypto}/objects/{created.body['objectID']}", token=token).status == 204
    assert kii.call("DELETE", crypto, token=token).status == 204
    assert (
        kii.call(
            "POST", "/users/me/buckets/notes/query", {"bucketQuery": {"clause": {"type": "all"}}}, token
        ).status
        == 200
    )


def test_an_encrypted_bucket_keeps_the_object_acl(kii: Kii) -> None:
    user_id, token = kii.register("alice")
    _, other = kii.register("bob")
    reply = kii.call("POST", "/users/me/buckets/CRYPTO:private/objects", {"a": 1}, token)
    obj = f"/users/{user_id}/buckets/CRYPTO:private/objects/{reply.body['objectID']}"
    denied = kii.call("GET", obj, None, other)
    assert (denied.status, denied.body["errorCode"]) == (403, "UNAUTHORIZED")
    assert kii.call("GET", obj, None, token).status == 200


def test_a_bad_encrypted_bucket_name_is_400_invalid_bucket(kii: Kii) -> None:
    _, token = kii.register("alice")
    reply = kii.call("POST", "/buckets/CRYPTO:x/objects", {"a": 1}, token)
    assert (reply.status, reply.body["errorCode"]) == (400, "INVALID_BUCKET")


def test_hooks_on_an_encrypted_bucket_use_its_crypto_path(kii: Kii) -> None:
    kii.services.dispatch()
    admin = kii.admin_token()
    deploy(kii, admin, {"kiicloud://users/*/buckets/CRYPTO:notes": _entries(["DATA_OBJECT_CREATED"])})
    user_id, token = kii.register("alice")
    object_id = kii.call("POST", "/users/me/buckets/CRYPTO:notes/objects", {"a": 1}, token).body["objectID"]
    kii.call("POST", "/users/me/buckets/notes/objects", {"a": 1}, token)  # the plain bucket: no hook
    assert kii.services.dispatch() == {"batchItemFailures": []}
    ran = executions(kii, admin, trigger="DATA_OBJECT_CREATED")
    assert len(ran) == 1
    assert ran[0]["path"] == "kiicloud://users/*/buckets/CRYPTO:notes"
    assert ran[0]["returnedValue"]["params"] == {
        "uri": f"kiicloud://users/{user_id}/buckets/CRYPTO:notes/objects/{object_id}",
        "bucketID": "CRYPTO:notes",
        "objectID": object_id,
        "objectScope": {"appID": kii.app.app_id, "type": "APP_AND_USER", "userID": user_id},
    }


def test_an_encrypted_buckets_documents_are_sealed_at_rest(kii: Kii) -> None:
    user_id, token = kii.register("alice")
    kii.call("POST", "/users/me/buckets/CRYPTO:vault/objects", {"pin": "4321-secret"}, token)
    kii.call("POST", "/users/me/buckets/vault/objects", {"pin": "plain-1234"}, token)
    table = kii.services.container.table
    sealed = table.query("data", f"APP#{kii.app.app_id}#USER#{user_id}#BUCKET#CRYPTO:vault", "OBJ#")
    plain = table.query("data", f"APP#{kii.app.app_id}#USER#{user_id}#BUCKET#vault", "OBJ#")
    assert len(sealed) == 1 and "4321-secret" not in str(sealed[0]) and sealed[0]["sealed"].startswith("v1.")
    assert "plain-1234" in plain[0]["body"]
