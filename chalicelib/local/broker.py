"""The local MQTT broker of `make run` (amqtt, MQTT 3.1 and 3.1.1, 127.0.0.1:1883): what AWS
IoT Core, its custom authorizer, topic rules and lifecycle events do in AWS (docs/devices.md).

- Clients connect in one of three ways (dispatcher/devices.py): today's scheme (client ID =
  thingID, username = appID, password = its token), Kii's (client ID = an MQTT installation's
  ``mqttTopic`` with its ``mqtt-endpoint`` credentials), or anonymously to onboard over MQTT.
  Anything else is refused.
- Each may publish and subscribe to its own topics only (``devices.may_*``).
- A state published on ``karakuri/{appID}/things/{thingID}/state`` goes to the same service
  as ``PUT …/states``; a request on ``p/{clientID}/…`` (API over MQTT) to the same routes as
  REST, its answer to that client alone; connecting and disconnecting produce
  THING_CONNECTED/THING_DISCONNECTED (ordered and de-duplicated by time).
- Commands and pushes are published to the thing's command topic and to ``mqttTopic``s.

The broker runs on its own asyncio loop in a daemon thread; the bridge's calls into the
services run in worker threads so the loop keeps serving other devices.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Coroutine
from typing import Any, Protocol

from amqtt.broker import Broker
from amqtt.contexts import Action
from amqtt.mqtt.connect import ConnectPacket
from amqtt.mqtt.protocol import broker_handler
from amqtt.plugins.base import BaseAuthPlugin, BasePlugin, BaseTopicPlugin

from chalicelib.dispatcher.devices import Device, may_publish_state, may_receive, may_request
from chalicelib.dispatcher.mqtt_api import ApiRequest

log = logging.getLogger("karakuri.local.broker")


def state_topic(app_id: str, thing_id: str) -> str:
    return f"karakuri/{app_id}/things/{thing_id}/state"


def command_topic(app_id: str, thing_id: str) -> str:
    return f"karakuri/{app_id}/things/{thing_id}/commands"


class Bridge(Protocol):
    def connect(self, client_id: str, username: str, password: str) -> Device | None: ...
    def state(self, app_id: str, thing_id: str, payload: bytes) -> None: ...
    def presence(self, app_id: str, thing_id: str, connected: bool, at_ms: int) -> None: ...
    def request(self, topic: str, payload: bytes) -> tuple[ApiRequest, bytes] | None: ...


_bridge: Bridge | None = None
# client ID -> its current session and the device, once authenticated. A device that
# reconnects with its client ID may be connected again before its old session is gone: what
# the old session's end does must not touch the new one.
_devices: dict[str, tuple[Any, Device]] = {}
_locks: dict[str, asyncio.Lock] = {}  # client ID -> its message lock


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes | bytearray) else str(value or "")


class Mqtt31Connect(ConnectPacket):  # type: ignore[misc]
    """MQTT 3.1 (protocol name ``MQIsdp``, level 3), as Kii's embedded SDK speaks it, taken as
    3.1.1 (amqtt refuses it otherwise). What differs for a broker does not matter to a 3.1
    client: 3.1.1's CONNACK session-present bit is 0 for the clean sessions 3.1 clients ask
    for, and a refused subscription's SUBACK code 0x80 is one 3.1 clients treat as a failure."""

    @classmethod
    async def from_stream(cls, *args: Any, **kwargs: Any) -> Any:
        packet = await super().from_stream(*args, **kwargs)
        header = packet.variable_header
        if header is not None and header.proto_name == "MQIsdp" and header.proto_level == 3:
            header.proto_name, header.proto_level = "MQTT", 4
        return packet


def accept_mqtt31() -> None:
    """amqtt's broker reads CONNECT packets through this module attribute only."""
    broker_handler.ConnectPacket = Mqtt31Connect


class DeviceAuth(BaseAuthPlugin):  # type: ignore[misc]
    async def authenticate(self, *, session: Any) -> bool | None:
        client_id = _text(session.client_id)
        if _bridge is None:
            return False
        device = await asyncio.to_thread(
            _bridge.connect, client_id, _text(session.username), _text(session.password)
        )
        if device is None:
            return False
        _devices[client_id] = (session, device)
        return True


def _device(client_id: str, session: Any = None) -> Device | None:
    """The client's device; with ``session``, only if it is that session's."""
    entry = _devices.get(client_id)
    if entry is None or (session is not None and entry[0] is not session):
        return None
    return entry[1]


class DeviceTopics(BaseTopicPlugin):  # type: ignore[misc]
    async def topic_filtering(
        self, *, session: Any = None, topic: str | None = None, action: Any = None
    ) -> bool | None:
        if session is None:
            return True  # the broker's own messages
        client_id = _text(session.client_id)
        device = _device(client_id, session)
        if device is None or topic is None:
            return False
        if action == Action.PUBLISH:
            # API requests are answered by the bridge, never broadcast.
            return may_publish_state(device, topic)
        return may_receive(device, client_id, topic)


class DeviceEvents(BasePlugin):  # type: ignore[misc]
    async def on_broker_client_connected(self, *, client_id: str, client_session: Any) -> None:
        await self._presence(client_id, client_session, True)

    async def on_broker_client_disconnected(self, *, client_id: str, client_session: Any) -> None:
        if _device(client_id, client_session) is None:
            return  # an old session of a client that is connected again
        await self._presence(client_id, client_session, False)
        if _device(client_id, client_session) is not None:  # not connected again meanwhile
            _devices.pop(client_id, None)
            _locks.pop(client_id, None)

    async def _presence(self, client_id: str, session: Any, connected: bool) -> None:
        device = _device(client_id, session)
        if device is not None and device.thing_id is not None and _bridge is not None:
            at_ms = int(time.time() * 1000)
            await asyncio.to_thread(_bridge.presence, device.app_id, device.thing_id, connected, at_ms)

    async def on_broker_message_received(self, *, client_id: str, message: Any) -> None:
        # Fired before the topic check: the bridge checks for itself. The broker runs these
        # concurrently; one device's messages are handled one at a time, in arrival order
        # (asyncio locks are fair).
        device = _device(client_id)
        if device is None or message is None or _bridge is None:
            return
        topic, data = str(message.topic), bytes(message.data)
        if may_publish_state(device, topic):
            async with _locks.setdefault(client_id, asyncio.Lock()):
                try:
                    await asyncio.to_thread(_bridge.state, device.app_id, str(device.thing_id), data)
                except Exception:
                    log.exception("state from %s refused", client_id)
        elif may_request(device, client_id, topic):
            async with _locks.setdefault(client_id, asyncio.Lock()):
                await self._answer(client_id, topic, data)

    async def _answer(self, client_id: str, topic: str, data: bytes) -> None:
        """The answer goes to the requesting session alone, whatever it subscribed to (on
        Kii's shared ``p/anonymous/…`` topic nobody else may read another's thing token)."""
        assert _bridge is not None
        try:
            served = await asyncio.to_thread(_bridge.request, topic, data)
        except Exception:
            log.exception("API request from %s failed", client_id)
            return
        if served is None:
            return
        request, answer = served
        _, handler = self.context._broker_instance.sessions.get(client_id, (None, None))
        if handler is not None:
            await handler.mqtt_publish(request.answer_topic(client_id), answer, 0, False)


class LocalBroker:
    """Publishes commands to things (the services' CommandPublisher) and, once started with a
    bridge to those services, takes the things' connections, states and presence."""

    def __init__(self, host: str = "127.0.0.1", port: int = 1883) -> None:
        accept_mqtt31()
        self.host, self.port = host, port
        self._loop = asyncio.new_event_loop()
        self._broker: Broker | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="karakuri-mqtt", daemon=True)

    def _config(self) -> dict[str, Any]:
        return {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": {
                f"{__name__}.DeviceAuth": {},
                f"{__name__}.DeviceTopics": {},
                f"{__name__}.DeviceEvents": {},
            },
        }

    def start(self, bridge: Bridge) -> LocalBroker:
        global _bridge
        _bridge = bridge
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError(f"the MQTT broker did not start on {self.host}:{self.port}")
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._broker = Broker(self._config(), loop=self._loop)
        self._loop.run_until_complete(self._broker.start())
        self._ready.set()
        self._loop.run_forever()

    def _call(self, coroutine: Coroutine[Any, Any, Any], timeout: float = 10) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def publish(self, app_id: str, thing_id: str, payload: dict[str, Any]) -> None:
        self.publish_topic(
            command_topic(app_id, thing_id), json.dumps(payload, separators=(",", ":")).encode()
        )

    def publish_topic(self, topic: str, payload: bytes) -> None:
        assert self._broker is not None
        self._call(self._broker.internal_message_broadcast(topic, payload, 0))

    def stop(self) -> None:
        if self._broker is not None and self._loop.is_running():
            try:
                self._call(self._broker.shutdown())
            except Exception:
                log.debug("broker shutdown", exc_info=True)
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
