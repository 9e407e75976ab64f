"""Domain errors. Each carries its machine-readable code and HTTP status; the API maps them once (boxoffice.api)."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "BAD_REQUEST"

    def __init__(self, message: str, code: str | None = None, details: dict[str, str | int] | None = None):
        super().__init__(message)
        self.message = message
        # What a client can act on without parsing the message (e.g. the seats left), if anything.
        self.details = details
        if code:
            self.code = code


class InvalidRequest(DomainError):
    status = 400
    code = "VALIDATION_ERROR"


class Unauthorized(DomainError):
    status = 401
    code = "UNAUTHORIZED"


class Forbidden(DomainError):
    status = 403
    code = "FORBIDDEN"


class NotFound(DomainError):
    status = 404
    code = "NOT_FOUND"


class Conflict(DomainError):
    status = 409
    code = "CONFLICT"


class SoldOut(Conflict):
    code = "SOLD_OUT"


class PerformanceIsCancelled(Conflict):
    code = "PERFORMANCE_CANCELLED"


class LimitExceeded(Conflict):
    code = "LIMIT_EXCEEDED"


class PaymentRefused(DomainError):
    """The customer's payment was declined or needs them to act: the booking is PAYMENT_FAILED, its seats back."""

    status = 402
    code = "PAYMENT_DECLINED"
