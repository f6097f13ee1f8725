"""The local MQTT broker of `make run` (amqtt, MQTT 3.1.1, 127.0.0.1:1883): what AWS IoT Core,
its custom authorizer, topic rules and lifecycle events do in AWS (docs/devices.md).

- A device connects with client ID = its thingID, username = the appID, password = its
  access token (from onboarding or thing login). Anything else is refused.
- It may publish only to ``karakuri/{appID}/things/{thingID}/state`` and subscribe only to
  ``karakuri/{appID}/things/{thingID}/commands``.
- A state it publishes goes to the same service as ``PUT …/states``; connecting and
  disconnecting produce THING_CONNECTED/THING_DISCONNECTED (ordered and de-duplicated by time).
- Commands are published to the command topic.

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
from amqtt.plugins.base import BaseAuthPlugin, BasePlugin, BaseTopicPlugin

log = logging.getLogger("karakuri.local.broker")


def state_topic(app_id: str, thing_id: str) -> str:
    return f"karakuri/{app_id}/things/{thing_id}/state"


def command_topic(app_id: str, thing_id: str) -> str:
    return f"karakuri/{app_id}/things/{thing_id}/commands"


class Bridge(Protocol):
    def authenticate(self, app_id: str, thing_id: str, token: str) -> bool: ...
    def state(self, app_id: str, thing_id: str, payload: bytes) -> None: ...
    def presence(self, app_id: str, thing_id: str, connected: bool, at_ms: int) -> None: ...


_bridge: Bridge | None = None
_devices: dict[str, tuple[str, str]] = {}  # client ID -> (appID, thingID), once authenticated
_locks: dict[str, asyncio.Lock] = {}  # client ID -> its state lock


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes | bytearray) else str(value or "")


class DeviceAuth(BaseAuthPlugin):  # type: ignore[misc]
    async def authenticate(self, *, session: Any) -> bool | None:
        app_id, thing_id, token = _text(session.username), _text(session.client_id), _text(session.password)
        if _bridge is None or not (app_id and thing_id and token):
            return False
        if not await asyncio.to_thread(_bridge.authenticate, app_id, thing_id, token):
            return False
        _devices[thing_id] = (app_id, thing_id)
        return True


class DeviceTopics(BaseTopicPlugin):  # type: ignore[misc]
    async def topic_filtering(
        self, *, session: Any = None, topic: str | None = None, action: Any = None
    ) -> bool | None:
        if session is None:
            return True  # the broker's own messages
        device = _devices.get(_text(session.client_id))
        if device is None:
            return False
        if action == Action.PUBLISH:
            return topic == state_topic(*device)
        return topic == command_topic(*device)


class DeviceEvents(BasePlugin):  # type: ignore[misc]
    async def on_broker_client_connected(self, *, client_id: str, client_session: Any) -> None:
        await self._presence(client_id, True)

    async def on_broker_client_disconnected(self, *, client_id: str, client_session: Any) -> None:
        await self._presence(client_id, False)
        _devices.pop(client_id, None)
        _locks.pop(client_id, None)

    async def _presence(self, client_id: str, connected: bool) -> None:
        device = _devices.get(client_id)
        if device is not None and _bridge is not None:
            await asyncio.to_thread(_bridge.presence, *device, connected, int(time.time() * 1000))

    async def on_broker_message_received(self, *, client_id: str, message: Any) -> None:
        # Fired before the topic check: the bridge checks for itself. The broker runs these
        # concurrently; one device's states are applied one at a time, in arrival order
        # (asyncio locks are fair).
        device = _devices.get(client_id)
        if device is None or message is None or _bridge is None or message.topic != state_topic(*device):
            return
        async with _locks.setdefault(client_id, asyncio.Lock()):
            try:
                await asyncio.to_thread(_bridge.state, *device, bytes(message.data))
            except Exception:
                log.exception("state from %s refused", client_id)


class LocalBroker:
    """Publishes commands to things (the services' CommandPublisher) and, once started with a
    bridge to those services, takes the things' connections, states and presence."""

    def __init__(self, host: str = "127.0.0.1", port: int = 1883) -> None:
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
