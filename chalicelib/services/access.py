"""Kii's scope rules for users and groups, as checks every service calls before acting."""

from __future__ import annotations

from chalicelib.domain.models import Principal
from chalicelib.errors import AccessDenied, Unauthorized


def require_authenticated(principal: Principal) -> None:
    if not principal.is_authenticated:
        raise Unauthorized()


def require_admin(principal: Principal) -> None:
    require_authenticated(principal)
    if not principal.is_admin:
        raise AccessDenied("Only the app administrator may do this", **denied_to(principal))


def require_self_or_admin(principal: Principal, user_id: str) -> None:
    """A user may change only themselves; the app admin may change every user."""
    require_authenticated(principal)
    if not (principal.is_admin or principal.is_user(user_id)):
        raise AccessDenied("A user may only change themselves", **denied_to(principal))


def denied_to(principal: Principal) -> dict[str, str]:
    # Kii's 401/403 bodies name who was authenticated (kii-rest-api.md §1.8).
    return {
        "authenticatedAppID": principal.app_id,
        "authenticatedPrincipalID": principal.id or principal.kind.upper(),
    }
