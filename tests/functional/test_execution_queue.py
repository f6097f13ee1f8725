"""Executions fan out: the stream consumer and the scheduler only claim and enqueue; the
executor Lambda runs each execution from the executions queue (SQS on moto), and the local
stack's pool keeps one app's slow hooks from delaying another app's."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest

from tests.conftest import Kii
from tests.functional.test_hooks import ThrottledOnce, _entries, deploy, executions
from tests.functional.test_thingif import owner, thing  # noqa: F401 (fixtures)


@pytest.fixture
def admin(kii: Kii) -> str:
    kii.services.dispatch()
    return kii.admin_token()


@pytest.fixture
def queue(kii: Kii) -> str:
    """An SQS executions queue, wired in as KARAKURI_EXECUTIONS_QUEUE_URL would."""
    from chalicelib import wiring

    container = kii.services.container
    url = str(wiring.aws_client("sqs", container.settings).create_queue(QueueName="executions")["QueueUrl"])
    container.queue = wiring.executions_queue(replace(container.settings, executions_queue_url=url))
    return url


def receive(kii: Kii, url: str) -> list[dict[str, Any]]:
    """The queue's messages as the event source mapping hands them to the executor."""
    from chalicelib import wiring

    sqs = wiring.aws_client("sqs", kii.services.container.settings)
    messages = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["MessageGroupId"]
    ).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return [
        {"messageId": m["MessageId"], "body": m["Body"], "attributes": m.get("Attributes", {})}
        for m in messages
    ]


def hooked(kii: Kii, admin: str, endpoint: str = "record") -> None:
    """USER_CREATED runs ``endpoint``, from the events after now."""
    deploy(kii, admin, {"kiicloud://users": _entries(["USER_CREATED"], endpoint)})
    kii.services.dispatch()


def one_queued(kii: Kii, admin: str, url: str, endpoint: str = "record") -> list[dict[str, Any]]:
    """A user signs up; the consumer enqueues its hook; the queue's messages."""
    hooked(kii, admin, endpoint)
    kii.register("nora")
    assert kii.services.dispatch() == {"batchItemFailures": []}
    return receive(kii, url)


def run_executor(messages: list[dict[str, Any]], context: Any = None) -> Any:
    from app import executor

    return executor({"Records": messages}, context)


class Context:
    """A Lambda context with this much time left."""

    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def test_the_stream_consumer_only_enqueues_and_the_executor_runs_each_execution_once(
    kii: Kii, admin: str, queue: str
) -> None:
    from app import dispatcher

    hooked(kii, admin)
    user_id, _ = kii.register("nora")
    [record] = kii.services.drain_records()[-1:]
    assert kii.services.dispatch() == {"batchItemFailures": []}
    [queued] = executions(kii, admin)
    assert (queued["status"], queued["attempt"], queued["finishedAt"]) == ("QUEUED", 1, None)
    [message] = receive(kii, queue)
    assert message["attributes"]["MessageGroupId"] == kii.app.app_id  # fair per app
    assert "token" not in message["body"].lower()

    assert run_executor([message]) == {"batchItemFailures": []}
    [done] = executions(kii, admin)
    assert (done["status"], done["attempt"], done["executionID"]) == ("SUCCESS", 1, queued["executionID"])
    assert done["returnedValue"]["params"]["userID"] == user_id

    assert run_executor([message]) == {"batchItemFailures": []}  # SQS delivers at least once
    assert dispatcher({"Records": [record]}, None) == {"batchItemFailures": []}  # so does the stream
    assert receive(kii, queue) == []
    assert executions(kii, admin) == [done]


def test_an_infrastructure_failure_is_reported_and_the_redelivered_message_takes_the_claim_over(
    kii: Kii, admin: str, queue: str
) -> None:
    [message] = one_queued(kii, admin, queue)
    container = kii.services.container
    container.use_runner(ThrottledOnce(container.runner))
    assert run_executor([message]) == {"batchItemFailures": [{"itemIdentifier": message["messageId"]}]}
    [interrupted] = executions(kii, admin)
    assert (interrupted["status"], interrupted["attempt"]) == ("INTERRUPTED", 1)
    assert run_executor([message]) == {"batchItemFailures": []}
    [retried] = executions(kii, admin)
    assert (retried["status"], retried["attempt"]) == ("SUCCESS", 2)


def test_an_error_of_the_apps_code_is_recorded_and_not_retried(kii: Kii, admin: str, queue: str) -> None:
    assert run_executor(one_queued(kii, admin, queue, "boom")) == {"batchItemFailures": []}
    [failed] = executions(kii, admin)
    assert (failed["status"], failed["error"]["errorCode"]) == ("FAILED", "RUNTIME_ERROR")


def test_a_message_that_is_not_an_execution_is_reported_alone(kii: Kii, admin: str, queue: str) -> None:
    [good] = one_queued(kii, admin, queue)
    poison = {"messageId": "poison", "body": '{"kind": "dance"}'}
    assert run_executor([poison, good]) == {"batchItemFailures": [{"itemIdentifier": "poison"}]}
    assert [e["status"] for e in executions(kii, admin)] == ["SUCCESS"]


def test_the_executor_starts_no_execution_it_has_no_time_for(kii: Kii, admin: str, queue: str) -> None:
    [message] = one_queued(kii, admin, queue)
    # Kii's 20 s limit and the record writes no longer fit: the message goes back to the queue
    assert run_executor([message], Context(20_000)) == {
        "batchItemFailures": [{"itemIdentifier": message["messageId"]}]
    }
    assert [e["status"] for e in executions(kii, admin)] == ["QUEUED"]
    assert run_executor([message], Context(60_000)) == {"batchItemFailures": []}
    assert [e["status"] for e in executions(kii, admin)] == ["SUCCESS"]


def test_the_stream_consumer_leaves_records_it_has_no_time_for_to_the_retry(
    kii: Kii, admin: str, queue: str
) -> None:
    from app import dispatcher

    hooked(kii, admin)
    kii.register("nora")
    kii.register("omar")
    records = kii.services.drain_records()[-2:]
    sequences = [{"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in records]
    assert dispatcher({"Records": records}, Context(500)) == {"batchItemFailures": sequences}
    assert executions(kii, admin) == []
    assert dispatcher({"Records": records}, Context(60_000)) == {"batchItemFailures": []}
    assert len(receive(kii, queue)) == 2


def test_the_scheduler_tick_only_enqueues_due_jobs(kii: Kii, admin: str, queue: str) -> None:
    from app import tick

    job = {"what": "EXECUTE_SERVER_CODE", "cron": "* * * * *", "endpoint": "record", "parameters": {"n": 1}}
    deploy(kii, admin, {"kiicloud://scheduler": {"every-minute": job}})
    kii.services.clock.advance(60_000)
    ran = tick()["ran"]
    assert ran and all(r.startswith(f"{kii.app.app_id}:every-minute@") for r in ran)
    assert {e["status"] for e in executions(kii, admin)} == {"QUEUED"}
    assert run_executor(receive(kii, queue)) == {"batchItemFailures": []}
    done = executions(kii, admin)
    assert {(e["status"], e["name"]) for e in done} == {("SUCCESS", "every-minute")}
    assert done[0]["returnedValue"]["params"] == {"n": 1}


class HeldRunner:
    """Executions of ``held_app`` run until released (as code that loops until its deadline);
    every other app's run on the real runner, and are recorded as they start."""

    def __init__(self, real: Any, held_app: str) -> None:
        self.real, self.held_app = real, held_app
        self.changed = threading.Condition()
        self.held = 0
        self.released = False
        self.others_started = self.others_finished = 0

    def execute(self, caller: Any, *args: Any, **kwargs: Any) -> Any:
        with self.changed:
            if caller.app_id == self.held_app:
                self.held += 1
                self.changed.notify_all()
                self.changed.wait_for(lambda: self.released)
            else:
                self.others_started += 1
        try:
            return self.real.execute(caller, *args, **kwargs)
        finally:
            with self.changed:
                self.others_finished += caller.app_id != self.held_app
                self.changed.notify_all()

    def release(self) -> None:
        with self.changed:
            self.released = True
            self.changed.notify_all()


def test_an_app_whose_hooks_run_until_the_deadline_does_not_delay_another_apps_hooks(
    kii: Kii, admin: str, other_app: Kii
) -> None:
    from chalicelib.local.executors import ExecutorPool

    container = kii.services.container
    held = HeldRunner(container.runner, kii.app.app_id)
    container.use_runner(held)
    pool = ExecutorPool(lambda order: container.executions.execute(order), workers=4, per_app=3).start()
    container.queue = pool
    try:
        deploy(kii, admin, {"kiicloud://users": _entries(["USER_CREATED"])})
        deploy(other_app, other_app.admin_token(), {"kiicloud://users": _entries(["USER_CREATED"])})
        kii.services.dispatch()
        for n in range(4):  # three run at once (the app's limit), the fourth waits for them
            kii.register(f"noisy{n}")
        kii.services.dispatch()
        with held.changed:
            assert held.changed.wait_for(lambda: held.held == 3, timeout=60)
        other_app.register("quiet")
        kii.services.dispatch()
        with held.changed:
            assert held.changed.wait_for(lambda: held.others_finished == 1, timeout=60)
        # the quiet app's hook ran while the noisy app's were all still running
        assert [e["status"] for e in executions(kii, admin)] == ["RUNNING"] * 3 + ["QUEUED"]
        assert pool.running(kii.app.app_id) == 3 and pool.backlog() == 1
    finally:
        held.release()
        assert pool.wait_idle(timeout=60)
        pool.stop()
    other_admin = other_app.admin_token()
    assert [e["status"] for e in executions(other_app, other_admin)] == ["SUCCESS"]
    assert [e["status"] for e in executions(kii, admin)] == ["SUCCESS"] * 4


def test_thing_if_triggers_fired_by_a_state_are_enqueued_and_run_by_the_executor(
    kii: Kii,
    queue: str,
    owner: tuple[str, str],  # noqa: F811 (the fixture)
    thing: dict[str, str],  # noqa: F811 (the fixture)
) -> None:
    from tests.functional.test_thingif import CODE as TIF_CODE
    from tests.functional.test_thingif import HOT, _states_trigger, tif

    admin = kii.admin_token()
    deploy(kii, admin, {"kiicloud://users": []}, TIF_CODE)
    user_id, token = owner
    target = thing["target"]
    server_code = {"endpoint": "hot", "parameters": {"room": "lab"}, "executorAccessToken": token}
    rising = _states_trigger("SERVER_CODE", "CONDITION_FALSE_TO_TRUE", HOT, serverCode=server_code)
    command = {"actions": [{"fan": {"on": True}}], "issuer": f"user:{user_id}"}
    changed = _states_trigger("COMMAND", "CONDITION_CHANGED", HOT, command=command)
    runs = tif(kii, "POST", f"/targets/{target}/triggers", rising, token).body["triggerID"]
    sends = tif(kii, "POST", f"/targets/{target}/triggers", changed, token).body["triggerID"]
    kii.services.dispatch()
    for temp in (20, 35):
        tif(kii, "PUT", f"/targets/{target}/states", {"temp": temp}, thing["token"])
    assert kii.services.dispatch() == {"batchItemFailures": []}
    results = f"/targets/{target}/triggers/{runs}/results/server-code"
    assert tif(kii, "GET", results, token=token).body["triggerServerCodeResults"] == []
    assert sorted(e["status"] for e in executions(kii, admin, trigger="THING_IF")) == ["QUEUED", "QUEUED"]

    assert run_executor(receive(kii, queue)) == {"batchItemFailures": []}
    [result] = tif(kii, "GET", results, token=token).body["triggerServerCodeResults"]
    assert result["succeeded"] and result["returnedValue"]["params"] == {"room": "lab"}
    [sent] = tif(kii, "GET", f"/targets/{target}/commands", token=token).body["commands"]
    assert sent["firedByTriggerID"] == sends


class RefusesFirst:
    """An executions queue whose first send is throttled."""

    def __init__(self, real: Any) -> None:
        self.real, self.refused = real, False

    def send(self, order: Any) -> None:
        from chalicelib.errors import TemporarilyUnavailable

        if not self.refused:
            self.refused = True
            raise TemporarilyUnavailable()
        self.real.send(order)


def test_a_job_that_cannot_be_enqueued_does_not_stop_the_tick_and_the_next_tick_sends_it(
    kii: Kii, admin: str, queue: str
) -> None:
    from app import tick

    jobs = {
        name: {"what": "EXECUTE_SERVER_CODE", "cron": "* * * * *", "endpoint": "record"}
        for name in ("first", "second")
    }
    deploy(kii, admin, {"kiicloud://scheduler": jobs})
    container = kii.services.container
    container.queue = RefusesFirst(container.queue)
    kii.services.clock.advance(60_000)
    assert len(tick()["ran"]) == 3  # one of the four due (job, minute)s was refused
    assert len(receive(kii, queue)) == 3
    tick()  # the same minutes again: the refused one is sent now
    assert run_executor(receive(kii, queue)) == {"batchItemFailures": []}
    assert [e["status"] for e in executions(kii, admin)] == ["SUCCESS"] * 4
