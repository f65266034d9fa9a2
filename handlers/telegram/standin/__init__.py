"""A faithful local stand-in for the Telegram Bot API, for tests, demos and benchmarks."""

from handlers.telegram.standin.faults import Fault
from handlers.telegram.standin.records import ApiError, Call, Upload
from handlers.telegram.standin.standin import Standin
from handlers.telegram.standin.users import StandinUser

__all__ = ["ApiError", "Call", "Fault", "Standin", "StandinUser", "Upload"]
