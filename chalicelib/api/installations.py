"""Kii push installation routes under /api/apps/{appID}/installations (kii-rest-api.md §7)."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.http import KiiRequest, Reply, no_content, route
from chalicelib.services.installations import InstallationService

bp = Blueprint(__name__)

INSTALLATIONS = "/api/apps/{appID}/installations"


def _installations() -> InstallationService:
    return wiring.container().installations


@route(bp, INSTALLATIONS, ["POST", "GET"])
def installations(request: KiiRequest) -> Reply:
    if request.method == "GET":
        found = _installations().of_owner(request.caller, request.query)
        return Reply(200, {"installations": [i.to_json() for i in found]})
    created = _installations().create(request.caller, request.json_object())
    return Reply(
        201,
        {"installationID": created.installation_id, "installationRegistrationID": created.registration_id},
        {"Location": f"/api/apps/{created.app_id}/installations/{created.installation_id}"},
        content_type="application/vnd.kii.InstallationCreationResponse+json",
    )


@route(bp, INSTALLATIONS + "/{installationRef}", ["GET", "DELETE"])
def installation(request: KiiRequest) -> Reply:
    ref = request.params["installationRef"]
    if request.method == "DELETE":
        _installations().delete(request.caller, ref)
        return no_content()
    return Reply(200, _installations().resolve(request.caller, ref).to_json())


@route(bp, INSTALLATIONS + "/{installationRef}/mqtt-endpoint", ["GET"])
def mqtt_endpoint(request: KiiRequest) -> Reply:
    """Kii answers the TTL both in the body and as the ``X-MQTT-TTL`` header (§7.3)."""
    endpoint = _installations().mqtt_endpoint(request.caller, request.params["installationRef"])
    return Reply(
        200,
        endpoint,
        {"X-MQTT-TTL": str(endpoint["X-MQTT-TTL"])},
        content_type="application/vnd.kii.MQTTEndpointResponse+json",
    )
