"""A live local stack in this process: the embedded AWS plus Chalice's local HTTP server on
a port of its own (0 picks a free one). Used by the tests, the SDK suite and the benchmarks."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from chalicelib import config
from chalicelib.local.stack import EmbeddedStack

# Ports for servers the stack starts, below Linux's ephemeral range (32768-60999): a port the
# kernel hands out for bind(0) may be taken by any outgoing connection before the server binds it.
PORTS = range(20000, 32768)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now, outside the ephemeral range."""
    import random
    import socket

    for port in random.sample(PORTS, 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise OSError("no free port in 20000-32767")


def chalice_local(bin_dir: Path, state: Path, port: int | None = None) -> tuple[list[str], dict[str, str]]:
    """The command and the environment that start the stack in a process of its own, as
    `make run` does, on free ports (tests and benchmarks add the environment to their own)."""
    port = port or free_port()
    environment = {
        "KARAKURI_LOCAL_PORT": str(port),
        "KARAKURI_LOCAL_AWS_PORT": str(free_port()),
        "KARAKURI_LOCAL_MQTT_PORT": str(free_port()),
        "KARAKURI_STATE_DIR": str(state),
        "PYTHONUNBUFFERED": "1",
    }
    command = [str(bin_dir / "chalice"), "local", "--stage", "local", "--host", "127.0.0.1"]
    return [*command, "--port", str(port), "--no-autoreload"], environment


class LiveStack:
    def __init__(
        self,
        app: Any,
        deliver: Callable[[dict[str, Any]], Any],
        state_dir: Path,
        port: int = 0,
        aws_port: int = 0,
        settings: config.Settings | None = None,
        tick: Callable[[], Any] | None = None,
        mqtt_port: int = 0,
    ) -> None:
        from chalice.cli import factory
        from chalice.local import create_local_server

        from chalicelib.local import gateway_patches

        gateway_patches.install()

        chalice_config = factory.CLIFactory(
            project_dir=str(Path(__file__).resolve().parents[2])
        ).create_config_obj(chalice_stage_name="local")
        # Chalice swaps the app's class for a local subclass of it; a second server in the
        # same process must start from the original class, or the swap makes a cycle.
        original = getattr(app, "_karakuri_class", None) or app.__class__
        app._karakuri_class = original
        app.__class__ = original
        self._http = create_local_server(app, chalice_config, "127.0.0.1", port)
        self.port = self._http.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        settings = replace(
            settings or config.settings(),
            local_port=self.port,
            base_url=f"{self.base_url}/api",
            local_mqtt_port=mqtt_port or free_port(),
        )
        self.stack = EmbeddedStack(
            settings, deliver, state_dir, self.base_url, aws_port, tick, api=app
        ).start()
        self._thread = threading.Thread(target=self._http.serve_forever, name="karakuri-http", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._http.shutdown()
        self.stack.stop()
