"""Tell passing trouble (the database out of reach) from a fault of one update or row."""

from __future__ import annotations

from sqlalchemy import exc as sql

from storage.store import TransactionLostError


def passing(error: BaseException) -> bool:
    """Say whether a storage error is about the surroundings, so retrying later will do."""
    if isinstance(error, sql.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sql.OperationalError | sql.InterfaceError | sql.TimeoutError):
        return True
    return isinstance(error, TransactionLostError)


def brief(error: BaseException, limit: int = 300) -> str:
    """Describe an error on one line, without the SQL or values a database error carries."""
    origin = error.orig if isinstance(error, sql.DBAPIError) and error.orig else error
    lines = str(origin).strip().splitlines()
    text = f"{type(origin).__name__}: {lines[0] if lines else ''}".rstrip(": ")
    return text if len(text) <= limit else text[: limit - 1] + "…"
