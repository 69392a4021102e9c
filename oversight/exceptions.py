"""The one domain error of the project.

Every service refuses with a subclass of `DomainError`: a message for people, a stable
machine-readable `code` and the HTTP `status` that fits. The API's exception handler and
the pages' middleware each map it once; views never translate service errors themselves.
"""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses, with a reason people can read."""

    code: str = "refused"
    status: int = 400
    default_message: str = "The request could not be carried out."

    def __init__(self, message: str | None = None, *, code: str | None = None, status: int | None = None) -> None:
        self.message = message or self.default_message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class Conflict(DomainError):
    """The thing was changed by someone else, or is already decided."""

    code = "conflict"
    status = 409


class NotPermitted(DomainError):
    """The actor may not do this."""

    code = "forbidden"
    status = 403


class Unavailable(DomainError):
    """A service the request needs is down; try again later."""

    code = "unavailable"
    status = 503
