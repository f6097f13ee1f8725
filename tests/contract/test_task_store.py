"""The scheduled-task store on the in-memory twin and on DynamoDB (moto): the due index finds
due tasks in time order only, and a task leaves it exactly once (claimed or cancelled)."""

from __future__ import annotations

from chalicelib import wiring
from chalicelib.adapters.tasks import TableTaskStore
from chalicelib.domain.tasks import CANCELLED, RestApiCall, Task

T0 = 1_793_491_200_000


def _task(task_id: str, when: int, app_id: str = "app1") -> Task:
    return Task(app_id, task_id, when, RestApiCall(f"/api/apps/{app_id}/users/me", "GET", {}), T0)


def test_due_lists_only_tasks_at_or_before_now_in_time_order(services: wiring.Container) -> None:
    store = TableTaskStore(services.table)
    store.create(_task("late", T0 + 2000))
    store.create(_task("early", T0 + 1000, "app2"))
    store.create(_task("now", T0 + 1500))
    assert list(store.due(T0 + 999)) == []
    assert list(store.due(T0 + 1500)) == [("app2", "early"), ("app1", "now")]


def test_a_task_is_claimed_once(services: wiring.Container) -> None:
    store = TableTaskStore(services.table)
    store.create(_task("t", T0))
    read = store.get("app1", "t")
    assert read is not None
    claimed = store.replace(read.claimed(T0 + 1))
    assert claimed is not None and claimed.revision == 2
    assert store.replace(read.claimed(T0 + 2)) is None
    assert list(store.due(T0 + 10)) == []
    finished = store.replace(claimed.finished(T0 + 3, 204, None))
    assert finished is not None
    assert store.get("app1", "t") == finished


def test_a_cancelled_task_leaves_the_due_index(services: wiring.Container) -> None:
    store = TableTaskStore(services.table)
    store.create(_task("t", T0))
    read = store.get("app1", "t")
    assert read is not None
    assert store.replace(read.cancelled(T0 + 1)) is not None
    assert list(store.due(T0 + 10)) == []
    found = store.get("app1", "t")
    assert found is not None and found.status == CANCELLED


def test_tasks_list_in_id_order_after_a_key(services: wiring.Container) -> None:
    store = TableTaskStore(services.table)
    for task_id in ("b", "a", "c"):
        store.create(_task(task_id, T0))
    assert [t.task_id for t in store.tasks("app1")] == ["a", "b", "c"]
    assert [t.task_id for t in store.tasks("app1", "a")] == ["b", "c"]
    assert list(store.tasks("app2")) == []
