"""Sent notifications (verification and reset codes) over the key-value table port."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from chalicelib.adapters.items import DATA
from chalicelib.adapters.table import KeyValueTable, Put
from chalicelib.domain.models import Notification


@dataclass
class RecordingNotifier:
    """Delivers nothing: keeps each notification where the app admin and the tests read it
    (``GET /api/apps/{app}/notifications``, ``karakuri notifications``). Kept 7 days."""

    table: KeyValueTable

    def send(self, notification: Notification) -> None:
        self.table.transact(
            [
                Put(
                    DATA,
                    {
                        "pk": f"APP#{notification.app_id}#OUTBOX",
                        "sk": f"{notification.sent_at:013d}#{secrets.token_hex(4)}",
                        "userID": notification.user_id,
                        "channel": notification.channel,
                        "to": notification.to,
                        "purpose": notification.purpose,
                        "code": notification.code,
                        "sentAt": notification.sent_at,
                        "ttl": notification.sent_at // 1000 + 7 * 24 * 3600,
                    },
                )
            ]
        )

    def sent(self, app_id: str) -> list[Notification]:
        return [
            Notification(
                app_id=app_id,
                user_id=i["userID"],
                channel=i["channel"],
                to=i["to"],
                purpose=i["purpose"],
                code=i["code"],
                sent_at=int(i["sentAt"]),
            )
            for i in self.table.query(DATA, f"APP#{app_id}#OUTBOX")
        ]
