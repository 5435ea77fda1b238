"""Local stand-ins for the Telegram Bot API and the Zalo Bot API, and their own tests."""
