"""Telegram as a channel: `channel.TelegramChannel` is what the wiring point builds and runs."""
