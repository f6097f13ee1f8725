"""Push delivery from the event pipeline: a message sent to a topic, or an object change in a
subscribed bucket, reaches the subscribers' installations (services/push.py, docs/push.md).

It runs for every event of a stream batch before the hooks do, whatever the event's causation
(Kii's loop rule is about hooks: a hook's writes still push). A failure propagates, so the record
is reported in ``batchItemFailures`` and redelivered; deliveries already recorded are not sent
again.
"""

from __future__ import annotations

import logging

from chalicelib.dispatcher.stream import Consumer
from chalicelib.domain.events import Event
from chalicelib.wiring import Container

log = logging.getLogger("karakuri.dispatcher.push")


def deliver(event: Event, services: Container) -> int:
    """How many installations this event reached now."""
    made = services.push.deliver(event, services.thingif.publisher)
    if made:
        log.info("event %s: %d push deliveries", event.event_id, made)
    return made


def consumer(services: Container, then: Consumer) -> Consumer:
    """A stream consumer that delivers an event's pushes, then hands it on."""

    def consume(event: Event) -> None:
        deliver(event, services)
        then(event)

    return consume
