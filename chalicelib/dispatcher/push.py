"""Push delivery from the event pipeline: a message sent to a topic, or an object change in a
subscribed bucket, reaches the subscribers' installations (services/push.py, docs/push.md).

It runs for every event of a stream batch before the hooks are resolved, whatever the event's
causation (Kii's loop rule is about hooks: a hook's writes still push). A failure propagates, so
the record is reported in ``batchItemFailures`` and redelivered; deliveries already recorded are
not sent again.
"""

from __future__ import annotations

import logging

from chalicelib.dispatcher.stream import Consumer
from chalicelib.domain.events import Event
from chalicelib.services.push import PushService
from chalicelib.services.thingif import ThingIFService

log = logging.getLogger("karakuri.dispatcher.push")


def deliver(event: Event, push: PushService, thingif: ThingIFService) -> int:
    """How many installations this event reached now. MQTT goes out through the Thing-IF
    publisher (the local broker, AWS IoT), read when the event is delivered."""
    made = push.deliver(event, thingif.publisher)
    if made:
        log.info("event %s: %d push deliveries", event.event_id, made)
    return made


def consumer(push: PushService, thingif: ThingIFService, then: Consumer) -> Consumer:
    """A stream consumer that delivers an event's pushes, then hands it on."""

    def consume(event: Event) -> None:
        deliver(event, push, thingif)
        then(event)

    return consume
