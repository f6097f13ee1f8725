"""The world the authorization matrix and the fuzz test probe: two apps; users A (owns the
group, the thing and the objects), B (unrelated), C (member of A's group) and D; a thing T
owned by A and a thing T2 with no owner; objects in every scope; current server code with a
hook config; an installation; a state, a command and a trigger of T."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.conftest import Kii, MotoServices

JS = "application/javascript"
TEXT = "text/plain"


@dataclass
class World:
    kii: Kii
    tokens: dict[str, str | None]
    names: dict[str, str]


def register_thing(kii: Kii, vendor_thing_id: str, password: str, **fields: Any) -> dict[str, Any]:
    reply = kii.call(
        "POST",
        "/things",
        {"_vendorThingID": vendor_thing_id, "_password": password, **fields},
        content_type="application/vnd.kii.ThingRegistrationAndAuthorizationRequest+json",
    )
    assert reply.status == 201, reply.body
    return dict(reply.body)


def build_world(http: Any, container: Any, clock: Any) -> World:
    services = MotoServices(container, "", clock)
    kii = Kii(http, container.apps.create("matrix"), services)
    other = Kii(http, container.apps.create("elsewhere"), services)
    a, user = kii.register("usera", emailAddress="a@example.com", phoneNumber="+819011112222")
    b, other_user = kii.register("userb")
    c, member = kii.register("userc")
    d, _ = kii.register("userd")
    group = kii.create_group(user, members=[c])
    admin = kii.admin_token()
    anon = kii.call("POST", "/oauth2/token", {"client_id": kii.app.app_id, "client_secret": "x"}).body[
        "access_token"
    ]
    thing = register_thing(kii, "vt-a", "thingPw1", _thingType="t")
    thing2 = register_thing(kii, "vt-b", "thingPw2")
    t = thing["_thingID"]
    kii.call("PUT", f"/things/{t}/ownership/user:{a}", None, thing["_accessToken"])
    scopes = {
        "": user,
        f"/users/{a}": user,
        f"/groups/{group}": user,
        f"/things/{t}": thing["_accessToken"],
    }
    for prefix, writer in scopes.items():
        put = kii.call("PUT", f"{prefix}/buckets/bucket1/objects/obj1", {"n": 1}, writer)
        assert put.status in (200, 201), put.body
    for prefix, writer in scopes.items():  # a topic in each scope (the app's is the admin's)
        made = kii.call("PUT", f"{prefix}/topics/topic1", None, admin if not prefix else writer)
        assert made.status == 204, made.body
    version = kii.call("POST", "/server-code", "function hello(p, c) { return 1; }", admin, JS).body[
        "versionID"
    ]
    kii.call(
        "PUT",
        f"/hooks/versions/{version}",
        {"kiicloud://users": []},
        admin,
        "application/vnd.kii.HooksDeploymentRequest+json",
    )
    kii.call("PUT", "/server-code/versions/current", version, admin, TEXT)
    installation = kii.call(
        "POST",
        "/installations",
        {"deviceType": "ANDROID", "installationRegistrationID": "reg-1"},
        user,
    ).body["installationID"]
    tif = f"/thing-if/apps/{kii.app.app_id}/targets/thing:{t}"
    kii.call("PUT", tif + "/states", {"on": True}, thing["_accessToken"])
    command = kii.call(
        "POST", tif + "/commands", {"actions": [{"on": {}}], "issuer": f"user:{a}"}, user
    ).body["commandID"]
    trigger = kii.call(
        "POST",
        tif + "/triggers",
        {
            "predicate": {
                "eventSource": "STATES",
                "triggersWhen": "CONDITION_TRUE",
                "condition": {"type": "eq", "field": "on", "value": True},
            },
            "triggersWhat": "COMMAND",
            "command": {"actions": [{"on": {}}], "issuer": f"user:{a}"},
        },
        user,
    ).body["triggerID"]
    _, xuser = other.register("foreigner")
    names = {
        "appID": kii.app.app_id,
        "userRef": a,
        "userID": b,
        "groupID": group,
        "thingRef": t,
        "thingID": t,
        "bucketID": "bucket1",
        "objectID": "obj1",
        "action": "READ_EXISTING_OBJECT",
        "subject": f"UserID:{b}",
        "owner": f"user:{c}",
        "versionID": version,
        "endpoint": "hello",
        "target": f"thing:{t}",
        "commandID": command,
        "triggerID": trigger,
        "alias": "Alias",
        "field": "thing-type",
        "switch": "disable",
        "executionID": "nope",
        "installationRef": installation,
        "topicID": "topic1",
        "subscriberKind": "users",
        "subscriberID": a,
        "a": a,
        "b": b,
        "c": c,
        "d": d,
        "group": group,
        "version": version,
        "other_app": other.app.app_id,
        "client_id": kii.app.client_id,
        "client_secret": kii.app.client_secret,
    }
    tokens = {
        "none": None,
        "anon": anon,
        "user": user,
        "other": other_user,
        "member": member,
        "thing": thing["_accessToken"],
        "thing2": thing2["_accessToken"],
        "admin": admin,
        "xadmin": other.admin_token(),
        "xuser": xuser,
    }
    return World(kii, tokens, names)
