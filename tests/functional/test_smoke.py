from tests.conftest import Kii


def test_registered_user_can_log_in_and_read_themselves(kii: Kii) -> None:
    user_id, token = kii.register("alice")
    reply = kii.call("GET", "/users/me", token=token)
    assert reply.status == 200
    assert reply.body["userID"] == user_id
    assert [e.trigger for e in kii.services.new_events()] == ["USER_CREATED"]
