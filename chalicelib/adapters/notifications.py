"""Sent notifications (verification and reset codes) over the key-value table port (key
layout: docs/data.md)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from chalicelib.adapters.items import DATA, attributes, fields
from chalicelib.adapters.table import KeyValueTable, Put
from chalicelib.domain.models import Notification

KEEP_SECONDS = 7 * 24 * 3600
_NOTIFICATION = {  # attribute -> Notification field
    "userID": "user_id",
    "channel": "channel",
    "to": "to",
    "purpose": "purpose",
    "code": "code",
    "sentAt": "sent_at",
}


def _pk(app_id: str) -> str:
    return f"APP#{app_id}#NOTIFICATIONS"


@dataclass
class RecordingNotifier:
    """Delivers nothing: keeps each notification where the app admin and the tests read it
    (``GET /api/apps/{app}/notifications``, ``karakuri notifications``) for a week."""

    table: KeyValueTable

    def send(self, notification: Notification) -> None:
        item = {
            "pk": _pk(notification.app_id),
            "sk": f"{notification.sent_at:013d}#{secrets.token_hex(4)}",
            **attributes(notification, _NOTIFICATION),
            "ttl": notification.sent_at // 1000 + KEEP_SECONDS,
        }
        self.table.transact([Put(DATA, item)])

    def sent(self, app_id: str) -> list[Notification]:
        return [
            Notification(app_id=app_id, **fields(i, _NOTIFICATION))
            for i in self.table.query(DATA, _pk(app_id))
        ]
