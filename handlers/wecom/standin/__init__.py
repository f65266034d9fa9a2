"""A faithful offline stand-in for the WeCom API and its callbacks, for tests and the demo."""

from handlers.wecom.standin.answers import Call
from handlers.wecom.standin.corp import AppDelivery
from handlers.wecom.standin.driver import Attempt, CallbackDriver, Delivery, UrlCheck
from handlers.wecom.standin.kf import KfDelivery
from handlers.wecom.standin.server import WecomStandin

__all__ = [
    "AppDelivery",
    "Attempt",
    "Call",
    "CallbackDriver",
    "Delivery",
    "KfDelivery",
    "UrlCheck",
    "WecomStandin",
]
