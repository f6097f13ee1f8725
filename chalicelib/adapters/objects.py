"""Buckets and objects over the key-value table port (key layout: docs/data.md). A bucket
is one partition, so a query that is not in Kii's default order reads the bucket's partition
(docs/data.md, "Queries and what they cost")."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from chalicelib.adapters.events import EventCodec
from chalicelib.adapters.items import DATA, commit, delete_all, json_text, present
from chalicelib.adapters.push import subscriptions_of
from chalicelib.adapters.table import (
    Absent,
    Check,
    Delete,
    Exists,
    Item,
    Key,
    KeyValueTable,
    Put,
    VersionIs,
    Write,
)
from chalicelib.domain.bodies import ObjectRef, bucket_prefix
from chalicelib.domain.events import Event
from chalicelib.domain.objects import Bucket, KiiObject
from chalicelib.domain.ports import BlobStore, FieldCipher
from chalicelib.domain.push import Target
from chalicelib.domain.scopes import Scope, is_encrypted
from chalicelib.errors import BucketNotFound, InternalError


def bucket_pk(scope: Scope, bucket_id: str) -> str:
    return f"APP#{scope.app_id}#{scope.key}#BUCKET#{bucket_id}"


def _created_index(scope: Scope, bucket_id: str) -> str:
    return f"{bucket_pk(scope, bucket_id)}#BY_CREATED"


def created_key(created_at: int, object_id: str) -> str:
    return f"{created_at:013d}#{object_id}"


def _scope_index(scope: Scope) -> str:
    return f"APP#{scope.app_id}#BUCKETS#{scope.key}"


def scope_of(item: Item) -> Scope:
    return Scope(item["appID"], item["scopeKind"], item.get("scopeOwner"))


def scope_fields(scope: Scope, bucket_id: str) -> Item:
    fields: Item = {"appID": scope.app_id, "scopeKind": scope.kind, "bucketID": bucket_id}
    return present(fields, scopeOwner=scope.owner_id)


def _bucket_item(bucket: Bucket) -> Item:
    item: Item = {
        "pk": bucket_pk(bucket.scope, bucket.bucket_id),
        "sk": "#BUCKET",
        "gsi1pk": _scope_index(bucket.scope),
        "gsi1sk": f"BUCKET#{bucket.bucket_id}",
        **scope_fields(bucket.scope, bucket.bucket_id),
        "acl": json_text(bucket.acl),
        "createdAt": bucket.created_at,
        "version": bucket.version,
    }
    return present(item, creator=bucket.creator)


def _bucket(item: Item) -> Bucket:
    return Bucket(
        scope=scope_of(item),
        bucket_id=item["bucketID"],
        acl=json.loads(item["acl"]),
        created_at=int(item["createdAt"]),
        creator=item.get("creator"),
        version=int(item["version"]),
    )


def _object_item(obj: KiiObject) -> Item:
    item: Item = {
        "pk": bucket_pk(obj.scope, obj.bucket_id),
        "sk": f"OBJ#{obj.object_id}",
        # The by-creation index: Kii's default order, read a page at a time (docs/data.md).
        "gsi1pk": _created_index(obj.scope, obj.bucket_id),
        "gsi1sk": created_key(obj.created_at, obj.object_id),
        **scope_fields(obj.scope, obj.bucket_id),
        "objectID": obj.object_id,
        "body": json_text(obj.body),
        "acl": json_text(obj.acl),
        "createdAt": obj.created_at,
        "modifiedAt": obj.modified_at,
        "version": obj.version,
    }
    return present(item, owner=obj.owner, dataType=obj.data_type)


def _object(item: Item) -> KiiObject:
    return KiiObject(
        scope=scope_of(item),
        bucket_id=item["bucketID"],
        object_id=item["objectID"],
        body=json.loads(item["body"]),
        created_at=int(item["createdAt"]),
        modified_at=int(item["modifiedAt"]),
        owner=item.get("owner"),
        acl=json.loads(item["acl"]),
        data_type=item.get("dataType"),
        version=int(item["version"]),
    )


@dataclass
class TableObjectStore:
    table: KeyValueTable
    events: EventCodec
    # Bodies go with their objects and buckets (docs/data.md); None where there are none.
    blobs: BlobStore | None = None
    # Seals the documents of encrypted (CRYPTO:) buckets (adapters/crypto.py); None: stored plain.
    cipher: FieldCipher | None = None

    def _item(self, obj: KiiObject) -> Item:
        item = _object_item(obj)
        if self.cipher is not None and is_encrypted(obj.bucket_id):
            item["sealed"] = self.cipher.seal(item.pop("body").encode(), f"{item['pk']}|{item['sk']}")
        return item

    def _object(self, item: Item) -> KiiObject:
        if "sealed" in item:
            if self.cipher is None:
                raise InternalError("An encrypted object and no cipher to open it")
            item = {**item, "body": self.cipher.open(item["sealed"], f"{item['pk']}|{item['sk']}").decode()}
        return _object(item)

    def bucket(self, scope: Scope, bucket_id: str) -> Bucket | None:
        item = self.table.get(DATA, Key(bucket_pk(scope, bucket_id), "#BUCKET"))
        return _bucket(item) if item else None

    def get(self, scope: Scope, bucket_id: str, object_id: str) -> KiiObject | None:
        item = self.table.get(DATA, Key(bucket_pk(scope, bucket_id), f"OBJ#{object_id}"))
        return self._object(item) if item else None

    def objects(self, scope: Scope, bucket_id: str) -> list[KiiObject]:
        return [self._object(i) for i in self.table.query(DATA, bucket_pk(scope, bucket_id), "OBJ#")]

    def by_created(
        self, scope: Scope, bucket_id: str, descending: bool, after: tuple[int, str] | None
    ) -> Iterator[KiiObject]:
        start = created_key(*after) if after is not None else None
        for item in self.table.ordered(DATA, _created_index(scope, bucket_id), "gsi1", descending, start):
            yield self._object(item)

    def put(
        self, obj: KiiObject, previous: KiiObject | None, new_bucket: Bucket | None, events: Sequence[Event]
    ) -> None:
        """Write ``obj`` if the object is still as the caller read it (absent, or at
        ``previous.version``) and its bucket exists (or is created now): Conflict otherwise."""
        condition = Absent() if previous is None else VersionIs(previous.version)
        bucket_key = Key(bucket_pk(obj.scope, obj.bucket_id), "#BUCKET")
        bucket_write: Write = (
            Put(DATA, _bucket_item(new_bucket), Absent())
            if new_bucket is not None
            else Check(DATA, bucket_key, Exists())
        )
        commit(self.table, [Put(DATA, self._item(obj), condition), bucket_write, *self.events.puts(events)])

    def delete(self, obj: KiiObject, events: Sequence[Event]) -> None:
        pk = bucket_pk(obj.scope, obj.bucket_id)
        commit(
            self.table,
            [
                Delete(DATA, Key(pk, f"OBJ#{obj.object_id}"), VersionIs(obj.version)),
                Delete(DATA, Key(pk, f"BODY#{obj.object_id}")),
                *self.events.puts(events),
            ],
        )
        if self.blobs is not None:  # after the commit: a body outlives its object only on a crash
            self.blobs.delete_prefix(ObjectRef(obj.scope, obj.bucket_id, obj.object_id).blob_prefix)

    def save_bucket(self, bucket: Bucket, previous: Bucket) -> None:
        commit(self.table, [Put(DATA, _bucket_item(bucket), VersionIs(previous.version))])

    def drop_bucket(self, bucket: Bucket) -> None:
        pk = bucket_pk(bucket.scope, bucket.bucket_id)
        commit(
            self.table,
            [Delete(DATA, Key(pk, "#BUCKET"), Exists())],
            lambda _: BucketNotFound(bucketID=bucket.bucket_id),
        )
        # Objects, their bodies' metadata and unfinished uploads: the bucket's whole partition;
        # then its Push to App subscriptions, so a bucket made again under the name starts
        # without the old subscribers (as a topic does).
        delete_all(self.table, self.table.query(DATA, pk))
        delete_all(self.table, subscriptions_of(self.table, Target("bucket", bucket.scope, bucket.bucket_id)))
        if self.blobs is not None:
            self.blobs.delete_prefix(bucket_prefix(bucket.scope, bucket.bucket_id))

    def drop_scope(self, scope: Scope) -> None:
        """Every bucket and object of a scope whose user, group or thing was deleted."""
        for item in self.table.query(DATA, _scope_index(scope), "BUCKET#", index="gsi1"):
            bucket = self.bucket(scope, item["bucketID"])
            if bucket is not None:
                try:
                    self.drop_bucket(bucket)
                except BucketNotFound:
                    continue
