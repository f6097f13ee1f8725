"""The local broker with MQTT 3.1 (`MQIsdp`, Kii's embedded SDK) beside 3.1.1: the cost of a
CONNECT → CONNACK and of publishing, per protocol, with the broker's authentication and topic
rules in place but a bridge that answers at once (the services' own cost is measured
elsewhere), so the rows differ by the protocol only.

    .venv/bin/python bench/mqtt31.py [--connects 200] [--messages 2000] [--rounds 5]

Rates are the median of the rounds (each: N messages, client → broker → bridge, and
broker → client on its mqttTopic).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import threading
import time
from typing import Any

from common import percentiles, save, summary

APP, THING, TOPIC = "benchapp", "th.bench", "0123456789abcdef0123456789abcdef"


class InstantBridge:
    """Every client is the one thing's Kii-model device; states are counted."""

    def __init__(self) -> None:
        self.states = 0
        self.done = threading.Event()
        self.expected = 0

    def connect(self, client_id: str, username: str, password: str) -> Any:
        from chalicelib.dispatcher.devices import Device

        return Device(APP, THING, client_id)

    def state(self, app_id: str, thing_id: str, payload: bytes) -> None:
        self.states += 1
        if self.states >= self.expected:
            self.done.set()

    def presence(self, app_id: str, thing_id: str, connected: bool, at_ms: int) -> None:
        pass

    def request(self, topic: str, payload: bytes) -> None:
        return None


def _client(protocol: int, client_id: str, port: int) -> Any:
    import paho.mqtt.client as mqtt

    connected = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=protocol)
    client.username_pw_set(f"{APP}/i", "pw")
    client.on_connect = lambda *args: connected.set()
    client.connect("127.0.0.1", port)
    client.loop_start()
    assert connected.wait(30)
    return client


def connect_ms(protocol: int, port: int) -> float:
    start = time.perf_counter()
    client = _client(protocol, TOPIC, port)
    elapsed = (time.perf_counter() - start) * 1000
    client.disconnect()
    client.loop_stop()
    return elapsed


def publish_rate(protocol: int, port: int, bridge: InstantBridge, messages: int) -> float:
    """Client → broker: QoS 0 state publishes until the bridge has them all (msg/s)."""
    client = _client(protocol, TOPIC, port)
    bridge.states, bridge.expected = 0, messages
    bridge.done.clear()
    start = time.perf_counter()
    for _ in range(messages):
        client.publish(f"karakuri/{APP}/things/{THING}/state", b'{"on":true}', qos=0)
    assert bridge.done.wait(120), f"{bridge.states} of {messages} states arrived"
    rate = messages / (time.perf_counter() - start)
    client.disconnect()
    client.loop_stop()
    return rate


def delivery_rate(protocol: int, port: int, broker: Any, messages: int) -> float:
    """Broker → client: commands published to the client's mqttTopic (msg/s)."""
    client = _client(protocol, TOPIC, port)
    got, done = [0], threading.Event()

    def on_message(*args: Any) -> None:
        got[0] += 1
        if got[0] >= messages:
            done.set()

    subscribed = threading.Event()
    client.on_subscribe = lambda *args: subscribed.set()
    client.on_message = on_message
    client.subscribe(TOPIC, 0)
    assert subscribed.wait(30)
    start = time.perf_counter()
    for _ in range(messages):
        broker.publish_topic(TOPIC, b'{"commandID":"c","actions":[]}')
    assert done.wait(120), f"{got[0]} of {messages} messages arrived"
    rate = messages / (time.perf_counter() - start)
    client.disconnect()
    client.loop_stop()
    return rate


def main() -> None:
    import paho.mqtt.client as mqtt

    from chalicelib.local.broker import LocalBroker
    from chalicelib.local.server import free_port

    parser = argparse.ArgumentParser()
    parser.add_argument("--connects", type=int, default=200)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    bridge = InstantBridge()
    port = free_port()
    broker = LocalBroker(port=port).start(bridge)  # type: ignore[arg-type]
    protocols = {"MQTT 3.1": mqtt.MQTTv31, "MQTT 3.1.1": mqtt.MQTTv311}
    results: dict[str, Any] = {"machine": platform.platform(), "load": os.getloadavg()}
    try:
        samples: dict[str, list[float]] = {name: [] for name in protocols}
        for _ in range(args.connects):  # interleaved, so load drifts hit both alike
            for name, protocol in protocols.items():
                samples[name].append(connect_ms(protocol, port))
        rates: dict[str, dict[str, list[float]]] = {n: {"publish": [], "delivery": []} for n in protocols}
        for _ in range(args.rounds):  # interleaved too: the machine is shared
            for name, protocol in protocols.items():
                rates[name]["publish"].append(publish_rate(protocol, port, bridge, args.messages))
                rates[name]["delivery"].append(delivery_rate(protocol, port, broker, args.messages))
        for name in protocols:
            results[name] = {
                "connect": percentiles(samples[name]),
                "publish_msgs_per_s": round(statistics.median(rates[name]["publish"])),
                "delivery_msgs_per_s": round(statistics.median(rates[name]["delivery"])),
            }
            print(name, results[name], summary(samples[name]))
    finally:
        broker.stop()
    results["load_after"] = os.getloadavg()
    save("mqtt31", results)
    print(results)


if __name__ == "__main__":
    main()
