"""The embedded local stack: moto as the AWS, tables from infra/, the stream pump, a demo app.

Started by `make run` (through `chalice local --stage local`, whose stage sets
KARAKURI_EMBEDDED_STACK=1) and by the tests that need a live server.
"""

from __future__ import annotations

import atexit
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from chalicelib import config, wiring
from chalicelib.dispatcher.devices import DeviceBridge
from chalicelib.local import console, moto_patches, persist
from chalicelib.local.broker import LocalBroker
from chalicelib.local.executors import ExecutorPool
from chalicelib.local.pump import StreamPump
from chalicelib.local.tables import table_definitions
from chalicelib.local.ticker import Ticker
from chalicelib.services.apps import AppCredentials
from chalicelib.services.log_followers import LogFollowers

log = logging.getLogger("karakuri.local")

APP_FILE = "local-app.json"
STACK_FILE = "local-stack.json"
DATA_DIR = "data"


class EmbeddedStack:
    def __init__(
        self,
        settings: config.Settings,
        deliver: Callable[[dict[str, Any]], Any],
        state_dir: Path,
        base_url: str,
        aws_port: int | None = None,
        tick: Callable[[], Any] | None = None,
        api: Any = None,
    ) -> None:
        self.api = api  # the Chalice app: API over MQTT is served by its routes
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
        self.executors: ExecutorPool | None = None
        self._moto: Any = None
        self._mock: Any = None
        self._wake = threading.Event()
        self.persistence: persist.Persistence | None = None
        self.executions: console.ExecutionLines | None = None

    def start(self) -> EmbeddedStack:
        from moto import mock_aws
        from moto.server import ThreadedMotoServer

        moto_patches.install()
        console.quiet_third_party(self.settings.log_level)
        for name, value in (
            ("AWS_ACCESS_KEY_ID", "karakuri-local"),
            ("AWS_SECRET_ACCESS_KEY", "karakuri-local"),
            ("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled"),
        ):
            config.default_environ(name, value)
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        # This process reaches moto in-process (mock_aws: no HTTP, no sockets); the moto
        # server answers the same backends for other processes (the CLI, SDK tools).
        self._mock = mock_aws()
        self._mock.start()
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self.aws_port, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.settings = replace(self.settings, aws_endpoint=f"http://{host}:{port}")
        inside = replace(self.settings, aws_endpoint=None)
        arns = wiring.provision_tables(inside, table_definitions())
        wiring.provision_bodies_bucket(inside)  # object bodies (S3)
        self._restore()
        self.executions = console.ExecutionLines(self.settings.data_table).start()
        # This process reaches its moto through moto's handlers (adapters/moto_direct.py) unless
        # KARAKURI_LOCAL_DYNAMODB=boto3 (for comparison: bench/local_stack.py).
        direct = inside.local_dynamodb != "boto3"
        self.broker = LocalBroker(port=self.settings.local_mqtt_port)  # sends Thing-IF commands
        # Executions run from a pool per app, as from the executions queue in AWS; what it
        # gives up on waits in a list for the app admin's redrive, as in the dead-letter queue.
        dead_letters = wiring.local_dead_letters(lambda order: executors.send(order))
        self.executors = executors = ExecutorPool(
            lambda order: services.executions.execute(order),
            self.settings.local_executors,
            self.settings.script_workers_per_app,
            dead_letter=dead_letters.put,
        )
        # Every log line is appended in this process: the console's Live view long-polls.
        services = wiring.build_for_aws(
            inside,
            direct_moto=direct,
            publisher=self.broker,
            queue=self.executors,
            dead_letters=dead_letters,
            followers=LogFollowers(),
        )
        wiring.use(services)
        self.broker.start(DeviceBridge(services, self.api))
        self.executors.start()
        self.credentials = self._demo_app(services.apps)
        events_arn = arns["events"]
        assert events_arn, "the events table has a stream"
        self._wake = threading.Event()
        moto_patches.on_write(self._wake)
        reader = wiring.stream_reader(inside, events_arn, direct_moto=direct)
        self.pump = StreamPump(reader, self.deliver, self._wake).start()
        if self.tick is not None:
            self.ticker = Ticker(self.tick).start()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / STACK_FILE).write_text(
            json.dumps(
                {
                    "baseURL": self.api_url,
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

    def _restore(self) -> None:
        """Data survives restarts (local/persist.py); ``fresh`` starts empty."""
        data_dir = self.state_dir / DATA_DIR
        if self.settings.fresh:
            persist.forget(data_dir)
            (self.state_dir / APP_FILE).unlink(missing_ok=True)
        names = {"data": self.settings.data_table, "events": self.settings.events_table}
        self.persistence = persist.Persistence(data_dir, names)
        restored = self.persistence.start(moto_patches.backend(self.settings.region))
        if restored:
            log.info("restored %d items from %s", restored, data_dir)

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
        path.write_text(json.dumps(credentials.to_json(self.api_url), indent=2) + "\n")
        return credentials

    def apps(self) -> list[dict[str, Any]]:
        """The stack's apps, oldest first (``GET /local/apps``), read in process."""
        return wiring.app_list(replace(self.settings, aws_endpoint=None))

    @property
    def api_url(self) -> str:
        """What the Kii SDKs are given (``baseURL`` in local-app.json): the site plus /api."""
        return f"{self.base_url}/api"

    def banner(self) -> str:
        c = self.credentials
        assert c is not None
        return "\n".join(
            [
                "",
                "  karakuri local stack",
                f"  API          {self.api_url}",
                f"  console      {self.base_url}/console (docs/console.md)",
                f"  JS SDK       Kii.initializeWithSite(appID, appKey, '{self.api_url}')",
                f"  MQTT         127.0.0.1:{self.settings.local_mqtt_port} (docs/devices.md)",
                f"  appID        {c.app_id}",
                f"  appKey       {c.app_key}",
                f"  clientID     {c.client_id}",
                f"  clientSecret {c.client_secret}",
                f"  credentials  {self.state_dir / APP_FILE}",
                f"  embedded AWS {self.settings.aws_endpoint} (moto)",
                f"  data         {self.state_dir / DATA_DIR} (kept; `make run FRESH=1` starts empty)",
                "",
            ]
        )

    def health(self) -> dict[str, Any]:
        pump = self.pump.health() if self.pump is not None else {"status": "stopped"}
        return {"status": pump["status"], "pump": pump, "awsEndpoint": self.settings.aws_endpoint}

    def stop(self) -> None:
        if self.broker is not None:
            self.broker.stop()
            self.broker = None
        if self.ticker is not None:
            self.ticker.stop()
        if self.pump is not None:
            self.pump.stop()
            moto_patches.forget(self._wake)
        if self.executors is not None:
            self.executors.stop()
            self.executors = None
        if self.executions is not None:
            self.executions.stop()
        if self.persistence is not None:
            self.persistence.stop()
            self.persistence = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        if self._mock is not None:
            self._mock.stop()
            self._mock = None


class PortInUse(SystemExit):
    pass


def check_ports(ports: dict[str, int]) -> None:
    """Fail at once, in one line, when a port the stack needs is taken (``make run`` variable
    -> port); 0 means any free port."""
    import socket

    for variable, port in ports.items():
        if not port:
            continue
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                raise PortInUse(
                    f"karakuri: port {port} ({variable}) is in use by another program: stop it, "
                    f"or choose another port, e.g. `make run {variable}={port + 100}`"
                ) from None


_started: EmbeddedStack | None = None
_lock = threading.Lock()


def _stop_on_sigterm() -> None:
    """`kill PID` stops the stack as Ctrl-C does (data compacted, ports freed), and both end the
    process within STOP_SECONDS. SIGINT is taken even when it was inherited as ignored (a shell
    without job control starts `make run &` so): Ctrl-C (or `kill -INT`) is how the stack stops."""
    import signal
    import sys

    def stop(signum: int, frame: object) -> None:
        _exit_at_the_latest(STOP_SECONDS)
        if signum == signal.SIGTERM:
            sys.exit(0)
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)


STOP_SECONDS = 20.0


def _exit_at_the_latest(seconds: float) -> None:
    """Once asked to stop, the process ends within ``seconds`` even if a thread will not (Python
    joins every non-daemon thread before its exit handlers run). The journal is flushed every
    0.5 s, so a forced exit keeps all but the last half second of writes."""
    import os
    import sys

    def force() -> None:
        message = f"karakuri: the stack did not stop within {seconds:g} s; exiting now"
        print(message, file=sys.stderr, flush=True)
        os._exit(1)

    timer = threading.Timer(seconds, force)
    timer.daemon = True
    timer.start()


def current() -> EmbeddedStack | None:
    """The stack this process started for `chalice local --stage local`, if any."""
    return _started


def start_embedded_stack(
    deliver: Callable[[dict[str, Any]], Any], tick: Callable[[], Any] | None = None, api: Any = None
) -> EmbeddedStack:
    """Start the stack once per process, for `chalice local --stage local`."""
    global _started
    with _lock:
        if _started is None:
            settings = config.settings()
            check_ports(
                {
                    "PORT": settings.local_port,
                    "AWS_PORT": settings.local_aws_port,
                    "MQTT_PORT": settings.local_mqtt_port,
                }
            )
            base_url = f"http://{settings.local_host}:{settings.local_port}"
            _started = EmbeddedStack(
                settings, deliver, Path(settings.state_dir), base_url, tick=tick, api=api
            ).start()
            atexit.register(_started.stop)
            _stop_on_sigterm()
            print(_started.banner(), flush=True)
        return _started
