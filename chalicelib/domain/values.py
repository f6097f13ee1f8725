"""JSON values karakuri accepts anywhere (pure): what every entrance — REST, MQTT states,
server code's SDK — checks before it stores or evaluates a document.

JSON has no ``NaN`` nor ``Infinity`` (RFC 8259 §6), and a lone UTF-16 surrogate (``"\\ud800"``)
is no Unicode text: Python's ``json`` accepts both, DynamoDB and every Kii SDK do not. Once
stored, either would make every later page that contains it invalid for the JS SDK, so they
are refused with ``400 INVALID_INPUT_DATA`` where the value comes in. Nesting is bounded so
that no recursive walk (query clauses, hook configs, sort keys) can exhaust the stack.
"""

from __future__ import annotations

import json
import math
from typing import Any

from chalicelib.errors import InvalidInputData, InvalidJson

MAX_DEPTH = 64


def _refuse_constant(name: str) -> Any:
    raise InvalidInputData(f"{name} is not a JSON number")


def loads(text: str | bytes) -> Any:
    """Parses JSON text, refusing what JSON does not have: ``NaN``/``Infinity``, numbers longer
    than Python converts (4,300 digits), lone surrogates and nesting deeper than MAX_DEPTH."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as error:
        raise InvalidInputData(f"The JSON is nested deeper than {MAX_DEPTH} levels") from error
    except (ValueError, UnicodeDecodeError) as error:  # JSONDecodeError, too many digits
        raise InvalidJson() from error
    return check_json(value)


def has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_json(value: Any, where: str = "The JSON", max_depth: int = MAX_DEPTH) -> Any:
    """``value`` unchanged when it is plain JSON: finite numbers, Unicode strings and keys,
    at most ``max_depth`` levels deep. Walks without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > max_depth:
            raise InvalidInputData(f"{where} is nested deeper than {max_depth} levels")
        if isinstance(current, float):
            if not math.isfinite(current):
                raise InvalidInputData(f"{where} holds {current}: JSON numbers are finite")
        elif isinstance(current, str):
            if has_lone_surrogate(current):
                raise InvalidInputData(f"{where} holds a lone UTF-16 surrogate: not Unicode text")
        elif isinstance(current, dict):
            for key, item in current.items():
                if not isinstance(key, str) or has_lone_surrogate(key):
                    raise InvalidInputData(f"{where} holds a key that is not Unicode text")
                stack.append((item, depth + 1))
        elif isinstance(current, list):
            stack.extend((item, depth + 1) for item in current)
    return value
