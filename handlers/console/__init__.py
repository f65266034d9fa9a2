"""The supervisor's console: one live web page of the desk, opened from any chat channel."""
