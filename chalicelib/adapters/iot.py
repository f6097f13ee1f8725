"""AWS IoT Core: commands published to a device's command topic through the IoT data plane."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def command_topic(app_id: str, thing_id: str) -> str:
    return f"karakuri/{app_id}/things/{thing_id}/commands"


@dataclass
class IotDataPublisher:
    """The data-plane client is made on first use, for the account's own ATS endpoint
    (``iot:DescribeEndpoint``), as AWS asks."""

    make_client: Callable[[str | None], Any]  # endpoint URL -> boto3 "iot-data" client
    describe_endpoint: Callable[[], str | None]
    _client: Any = None
    _address: str | None = None

    def endpoint_host(self) -> str | None:
        """The account's IoT data (ATS) host, where devices connect."""
        if self._address is None:
            self._address = self.describe_endpoint()
        return self._address

    @property
    def client(self) -> Any:
        if self._client is None:
            address = self.endpoint_host()
            self._client = self.make_client(f"https://{address}" if address else None)
        return self._client

    def publish(self, app_id: str, thing_id: str, payload: dict[str, Any]) -> None:
        self.publish_topic(
            command_topic(app_id, thing_id), json.dumps(payload, separators=(",", ":")).encode()
        )

    def publish_topic(self, topic: str, payload: bytes) -> None:
        self.client.publish(topic=topic, qos=0, payload=payload)
