"""The embedded local stack: moto as the AWS, tables from infra/, the stream pump, a demo app.

Started by `make run` (through `chalice local --stage local`, whose stage sets
KARAKURI_EMBEDDED_STACK=1) and by the tests that need a live server.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from chalicelib import config, wiring
from chalicelib.dispatcher.devices import DeviceBridge
from chalicelib.local import moto_patches
from chalicelib.local.broker import LocalBroker
from chalicelib.local.pump import StreamPump
from chalicelib.local.tables import table_definitions
from chalicelib.local.ticker import Ticker
from chalicelib.services.apps import AppCredentials

log = logging.getLogger("karakuri.local")

APP_FILE = "local-app.json"
STACK_FILE = "local-stack.json"


class EmbeddedStack:
    def __init__(
        self,
        settings: config.Settings,
        deliver: Callable[[dict[str, Any]], Any],
        state_dir: Path,
        base_url: str,
        aws_port: int | None = None,
        tick: Callable[[], Any] | None = None,
    ) -> None:
        self.settings = settings
        self.deliver = deliver
        self.tick = tick
        self.ticker: Ticker | None = None
        self.broker: LocalBroker | None = None
        self.state_dir = state_dir
        self.base_url = base_url
        self.aws_port = settings.local_aws_port if aws_port is None else aws_port
        self.credentials: AppCredentials | None = None
        self.pump: StreamPump | None = None
        self._moto: Any = None

    def start(self) -> EmbeddedStack:
        from moto.server import ThreadedMotoServer

        moto_patches.install()
        for name, value in (
            ("AWS_ACCESS_KEY_ID", "karakuri-local"),
            ("AWS_SECRET_ACCESS_KEY", "karakuri-local"),
            ("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled"),
        ):
            config.set_environ(name, os.environ.get(name, value))
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self.aws_port, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.settings = replace(self.settings, aws_endpoint=f"http://{host}:{port}")
        arns = wiring.provision_tables(self.settings, table_definitions())
        wiring.provision_bodies_bucket(self.settings)  # object bodies (S3)
        services = wiring.build_for_aws(self.settings)
        wiring.use(services)
        self.credentials = self._demo_app(services.apps)
        events_arn = arns["events"]
        assert events_arn, "the events table has a stream"
        self.pump = StreamPump(wiring.stream_reader(self.settings, events_arn), self.deliver).start()
        if self.tick is not None:
            self.ticker = Ticker(self.tick).start()
        self.broker = LocalBroker(DeviceBridge(services), port=self.settings.local_mqtt_port).start()
        services.thingif.publisher = self.broker
        self.state_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / STACK_FILE).write_text(
            json.dumps(
                {
                    "baseURL": self.base_url,
                    "awsEndpoint": self.settings.aws_endpoint,
                    "region": self.settings.region,
                    "dataTable": self.settings.data_table,
                    "eventsTable": self.settings.events_table,
                },
                indent=2,
            )
            + "\n"
        )
        return self

    def _demo_app(self, apps: Any) -> AppCredentials:
        """The demo app survives restarts: its credentials are kept in local-app.json and the
        app is registered again with them in the fresh embedded AWS."""
        path = self.state_dir / APP_FILE
        if path.exists():
            saved = json.loads(path.read_text())
            credentials = AppCredentials(
                saved["appID"],
                saved["appKey"],
                saved["clientID"],
                saved["clientSecret"],
                saved.get("name", "demo"),
            )
            if not apps.exists(credentials.app_id):
                apps.register(credentials)
        else:
            credentials = apps.create("demo")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(credentials.to_json(self.base_url), indent=2) + "\n")
        return credentials

    def banner(self) -> str:
        c = self.credentials
        assert c is not None
        return "\n".join(
            [
                "",
                "  karakuri local stack",
                f"  API          {self.base_url}/api",
                f"  JS SDK       Kii.initializeWithSite(appID, appKey, '{self.base_url}/api')",
                f"  MQTT         127.0.0.1:{self.settings.local_mqtt_port} (docs/devices.md)",
                f"  appID        {c.app_id}",
                f"  appKey       {c.app_key}",
                f"  clientID     {c.client_id}",
                f"  clientSecret {c.client_secret}",
                f"  credentials  {self.state_dir / APP_FILE}",
                f"  embedded AWS {self.settings.aws_endpoint} (moto; data lives until Ctrl-C)",
                "",
            ]
        )

    def stop(self) -> None:
        if self.broker is not None:
            self.broker.stop()
            self.broker = None
        if self.ticker is not None:
            self.ticker.stop()
        if self.pump is not None:
            self.pump.stop()
        if self._moto is not None:
            self._moto.stop()
            self._moto = None


_started: EmbeddedStack | None = None
_lock = threading.Lock()


def start_embedded_stack(
    deliver: Callable[[dict[str, Any]], Any], tick: Callable[[], Any] | None = None
) -> EmbeddedStack:
    """Start the stack once per process, for `chalice local --stage local`."""
    global _started
    with _lock:
        if _started is None:
            settings = config.settings()
            base_url = f"http://{settings.local_host}:{settings.local_port}"
            _started = EmbeddedStack(settings, deliver, Path(settings.state_dir), base_url, tick=tick).start()
            atexit.register(_started.stop)
            print(_started.banner(), flush=True)
        return _started
