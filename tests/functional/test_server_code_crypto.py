"""Encrypted buckets from server code: the SDK's encryptedBucketWithName names Kii's
`CRYPTO:` bucket, apart from the plain bucket of the same name."""

from __future__ import annotations

from tests.conftest import Kii
from tests.functional.test_hooks import deploy

CODE = r"""
function sealed(params, context, done) {
  var admin = context.getAppAdminContext();
  var obj = admin.encryptedBucketWithName('vault').createObject();
  obj.set('secret', params.secret);
  obj.save().then(function (saved) {
    return admin.encryptedBucketWithName('vault').executeQuery(KiiQuery.queryWithClause(null));
  }).then(function (result) {
    var found = result[1];
    done({uri: obj.objectURI(), count: found.length, secret: found[0].get('secret')});
  }, function (e) { done('failed: ' + e.message); });
}
"""


def test_server_code_stores_and_queries_an_encrypted_bucket_apart_from_the_plain_one(kii: Kii) -> None:
    admin = kii.admin_token()
    deploy(kii, admin, {}, CODE)
    reply = kii.call("POST", "/server-code/versions/current/sealed", {"secret": "s3"})
    assert reply.status == 200, reply.body
    value = reply.body["returnedValue"]
    assert value["count"] == 1 and value["secret"] == "s3", value
    assert "/buckets/CRYPTO:vault/objects/" in value["uri"]
    crypto = kii.call(
        "POST", "/buckets/CRYPTO:vault/query", {"bucketQuery": {"clause": {"type": "all"}}}, admin
    )
    assert crypto.status == 200 and len(crypto.body["results"]) == 1
    plain = kii.call("POST", "/buckets/vault/query", {"bucketQuery": {"clause": {"type": "all"}}}, admin)
    assert (plain.status, plain.body["errorCode"]) == (404, "BUCKET_NOT_FOUND")
