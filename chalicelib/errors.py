"""The KiiError hierarchy: each error carries Kii's errorCode, its HTTP status and a message.

The REST layer turns these into ``{"errorCode": ..., "message": ...}`` in one place
(``chalicelib/api/http.py``). Statuses follow the Kii JS SDK's ``KiiErrorParser`` table
(kii-rest-api.md §12).
"""

from __future__ import annotations

from typing import Any, ClassVar


class KiiError(Exception):
    error_code: ClassVar[str] = "UNDEFINED_ERROR"
    status: ClassVar[int] = 500
    default_message: ClassVar[str] = "An unexpected error occurred"

    def __init__(self, message: str | None = None, **extra: Any) -> None:
        self.message = message or self.default_message
        self.extra = extra
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {"errorCode": self.error_code, "message": self.message, **self.extra}


# --- request shape -------------------------------------------------------------------------
class InvalidInputData(KiiError):
    error_code = "INVALID_INPUT_DATA"
    status = 400
    default_message = "There are validation errors"


class InvalidJson(KiiError):
    error_code = "INVALID_JSON"
    status = 400
    default_message = "The request body is not valid JSON"


class RequestTooLarge(KiiError):
    error_code = "INVALID_INPUT_DATA"
    status = 413
    default_message = "The request body is too large"


class OAuthInvalidGrant(KiiError):
    """OAuth failures use an OAuth-style body (kii-rest-api.md §1.8)."""

    error_code = "invalid_grant"
    status = 400
    default_message = "The user was not found or a wrong password was provided"

    def body(self) -> dict[str, Any]:
        return {
            "errorCode": self.error_code,
            "error": self.error_code,
            "error_description": self.message,
            "message": self.message,
        }


class OAuthInvalidRequest(OAuthInvalidGrant):
    error_code = "invalid_request"
    default_message = "The token request is missing a required parameter"


# --- authentication and authorization ------------------------------------------------------
class Unauthorized(KiiError):
    """No usable credentials where the operation needs them (401)."""

    error_code = "UNAUTHORIZED"
    status = 401
    default_message = "The request requires an authenticated principal"


class AccessDenied(KiiError):
    """Authenticated, but Kii's scope rules do not let this principal do this (403)."""

    error_code = "UNAUTHORIZED"
    status = 403
    default_message = "The principal is not allowed to perform this operation"


class WrongToken(KiiError):
    error_code = "WRONG_TOKEN"
    status = 403
    default_message = "The provided token is not valid"


class WrongRefreshToken(KiiError):
    error_code = "WRONG_REFRESH_TOKEN"
    status = 403
    default_message = "The provided refresh token is not valid"


class WrongPassword(KiiError):
    error_code = "WRONG_PASSWORD"
    status = 401
    default_message = "The provided password is wrong"


class UserDisabled(KiiError):
    error_code = "USER_DISABLED"
    status = 401
    default_message = "The user is disabled"


# --- apps ----------------------------------------------------------------------------------
class AppNotFound(KiiError):
    error_code = "APP_NOT_FOUND"
    status = 404
    default_message = "The application was not found"


class AppAlreadyExists(KiiError):
    error_code = "APP_ALREADY_EXISTS"
    status = 409
    default_message = "An application with this ID already exists"


# --- users ---------------------------------------------------------------------------------
class UserNotFound(KiiError):
    error_code = "USER_NOT_FOUND"
    status = 404
    default_message = "The user was not found"


class UserAlreadyExists(KiiError):
    error_code = "USER_ALREADY_EXISTS"
    status = 409
    default_message = "A user with this identity already exists"


class UserAddressNotFound(KiiError):
    error_code = "USER_ADDRESS_NOT_FOUND"
    status = 404
    default_message = "The user has no address for this notification method"


class InvalidVerificationCode(KiiError):
    error_code = "INVALID_VERIFICATION_CODE"
    status = 403
    default_message = "The verification code is not valid"


class VerificationCodeNotFound(KiiError):
    error_code = "VERIFICATION_CODE_NOT_FOUND"
    status = 404
    default_message = "There is no pending verification for this address"


class PhoneVerificationCodeExpired(KiiError):
    error_code = "PHONE_NUMBER_VERIFICATION_CODE_EXPIRED"
    status = 410
    default_message = "The phone number verification code has expired"


class PinCodeExpired(KiiError):
    error_code = "PIN_CODE_EXPIRED"
    status = 410
    default_message = "The password reset code has expired"


# --- groups --------------------------------------------------------------------------------
class GroupNotFound(KiiError):
    error_code = "GROUP_NOT_FOUND"
    status = 404
    default_message = "The group was not found"


class GroupAlreadyExists(KiiError):
    error_code = "GROUP_ALREADY_EXISTS"
    status = 409
    default_message = "A group with this ID already exists"


class OperationNotAllowed(KiiError):
    error_code = "OPERATION_NOT_ALLOWED"
    status = 409
    default_message = "The operation is not allowed"


# --- things and installations --------------------------------------------------------------
class ThingNotFound(KiiError):
    error_code = "THING_NOT_FOUND"
    status = 404
    default_message = "The thing was not found"


class ThingAlreadyExists(KiiError):
    error_code = "THING_ALREADY_EXISTS"
    status = 409
    default_message = "A thing with this vendorThingID already exists"


class ThingDisabled(KiiError):
    error_code = "THING_DISABLED"
    status = 401
    default_message = "The thing is disabled"


class ThingOwnershipNotFound(KiiError):
    error_code = "THING_OWNERSHIP_NOT_FOUND"
    status = 404
    default_message = "The thing has no such owner"


class ThingOwnershipAlreadyExists(KiiError):
    error_code = "THING_OWNERSHIP_ALREADY_EXISTS"
    status = 409
    default_message = "The owner already owns the thing"


class InstallationNotFound(KiiError):
    error_code = "INSTALLATION_NOT_FOUND"
    status = 404
    default_message = "The installation was not found"


class InstallationAlreadyExists(KiiError):
    error_code = "INSTALLATION_ALREADY_EXISTS"
    status = 409
    default_message = "The installation already exists"


class MqttEndpointNotFound(KiiError):
    error_code = "MQTT_ENDPOINT_NOT_FOUND"
    status = 404
    default_message = "The installation has no MQTT endpoint"


class TopicNotFound(KiiError):
    error_code = "TOPIC_NOT_FOUND"
    status = 404
    default_message = "The topic was not found"


class TopicAlreadyExists(KiiError):
    error_code = "TOPIC_ALREADY_EXISTS"
    status = 409
    default_message = "The topic already exists"


class PushSubscriptionNotFound(KiiError):
    error_code = "PUSH_SUBSCRIPTION_NOT_FOUND"
    status = 404
    default_message = "The push subscription was not found"


class PushSubscriptionAlreadyExists(KiiError):
    error_code = "PUSH_SUBSCRIPTION_ALREADY_EXISTS"
    status = 409
    default_message = "The push subscription already exists"


class ThingWithoutThingType(KiiError):
    error_code = "THING_WITHOUT_THING_TYPE"
    status = 404
    default_message = "The thing has no thing type"


class StateNotFound(KiiError):
    error_code = "STATE_NOT_FOUND"
    status = 404
    default_message = "The thing has no state yet"


class CommandNotFound(KiiError):
    error_code = "COMMAND_NOT_FOUND"
    status = 404
    default_message = "The command was not found"


class TriggerNotFound(KiiError):
    error_code = "TRIGGER_NOT_FOUND"
    status = 404
    default_message = "The trigger was not found"


# --- buckets, objects, ACLs, queries ----------------------------------------------------------
class InvalidBucket(KiiError):
    error_code = "INVALID_BUCKET"
    status = 400
    default_message = "The bucket ID is not valid"


class InvalidObjectId(KiiError):
    error_code = "INVALID_OBJECT_ID"
    status = 400
    default_message = "The object ID is not valid"


class BucketNotFound(KiiError):
    error_code = "BUCKET_NOT_FOUND"
    status = 404
    default_message = "The bucket was not found"


class ObjectNotFound(KiiError):
    error_code = "OBJECT_NOT_FOUND"
    status = 404
    default_message = "The object was not found"


class ObjectVersionIsStale(KiiError):
    error_code = "OBJECT_VERSION_IS_STALE"
    status = 409
    default_message = "The object has been changed since the given version"


class ObjectAlreadyExists(KiiError):
    error_code = "OBJECT_ALREADY_EXISTS"
    status = 409
    default_message = "An object with this ID already exists"


class ObjectBodyNotFound(KiiError):
    error_code = "OBJECT_BODY_NOT_FOUND"
    status = 404
    default_message = "The object has no body"


class ObjectBodyRangeNotSatisfiable(KiiError):
    error_code = "OBJECT_BODY_RANGE_NOT_SATISFIABLE"
    status = 416
    default_message = "The requested range is outside the body"


class ObjectBodyIntegrityNotAssured(KiiError):
    error_code = "OBJECT_BODY_INTEGRITY_NOT_ASSURED"
    status = 412
    default_message = "The body has been changed since the given version"


class ObjectBodyUploadNotFound(KiiError):
    error_code = "OBJECT_BODY_UPLOAD_NOT_FOUND"
    status = 404
    default_message = "The upload was not found"


class PublicationNotFound(KiiError):
    error_code = "PUBLICATION_NOT_FOUND"
    status = 404
    default_message = "The published body was not found"


class PublicationExpired(KiiError):
    error_code = "PUBLICATION_EXPIRED"
    status = 410
    default_message = "The publication has expired"


class AclNotFound(KiiError):
    error_code = "ACL_NOT_FOUND"
    status = 404
    default_message = "The ACL entry was not found"


class AclAlreadyExists(KiiError):
    error_code = "ACL_ALREADY_EXISTS"
    status = 409
    default_message = "The ACL entry already exists"


class QueryNotSupported(KiiError):
    error_code = "QUERY_NOT_SUPPORTED"
    status = 400
    default_message = "The query is not supported"


# --- server code ------------------------------------------------------------------------------
class ServerCodeVerificationError(KiiError):
    error_code = "SERVER_CODE_VERIFICATION_ERROR"
    status = 400
    default_message = "The server code could not be verified"


class ServerCodeVersionNotFound(KiiError):
    error_code = "SERVER_CODE_VERSION_NOT_FOUND"
    status = 404
    default_message = "The server code version was not found"


class HookVersionNotFound(KiiError):
    error_code = "SERVER_CODE_HOOK_VERSION_NOT_FOUND"
    status = 404
    default_message = "The version has no hook config"


class EndpointInvocationError(KiiError):
    """A manual execution failed in the script: ``details`` carries RUNTIME_ERROR or
    EXECUTION_TIMEOUT and the JavaScript message (kii-servercode.md §1.3)."""

    error_code = "ENDPOINT_INVOCATION_ERROR"
    status = 400
    default_message = "Error found while executing the developer-defined code"


class InvalidHookConfig(KiiError):
    error_code = "INVALID_INPUT_DATA"
    status = 400
    default_message = "The hook config is not valid"


class TaskNotFound(KiiError):
    error_code = "TASK_NOT_FOUND"
    status = 404
    default_message = "The task was not found"


class InvalidStatus(KiiError):
    """A state change from a state that does not allow it (a task that ran or is running)."""

    error_code = "INVALID_STATUS"
    status = 409
    default_message = "The status cannot be changed from the current one"


# --- generic -------------------------------------------------------------------------------
class Conflict(KiiError):
    """A concurrent change won; the caller may retry (optimistic locking)."""

    error_code = "OBJECT_CONFLICT"
    status = 409
    default_message = "The entity was changed concurrently; retry the request"


class NotFound(KiiError):
    error_code = "NOT_FOUND"
    status = 404
    default_message = "The resource was not found"


class MethodNotAllowed(KiiError):
    error_code = "OPERATION_NOT_SUPPORTED"
    status = 405
    default_message = "The method is not supported on this resource"


class TemporarilyUnavailable(KiiError):
    """An infrastructure failure worth retrying (throttling, a timeout)."""

    error_code = "TEMPORARY_UNAVAILABLE_ERROR"
    status = 503
    default_message = "The service is temporarily unavailable; retry the request"


class InternalError(KiiError):
    error_code = "UNDEFINED_ERROR"
    status = 500
    default_message = "An unexpected error occurred"
