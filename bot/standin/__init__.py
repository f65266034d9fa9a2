"""A faithful local stand-in for the Telegram Bot API, for tests, demos and benchmarks."""

from bot.standin.faults import Fault
from bot.standin.records import ApiError, Call, Upload
from bot.standin.standin import Standin
from bot.standin.users import StandinUser

__all__ = ["ApiError", "Call", "Fault", "Standin", "StandinUser", "Upload"]
