"""The Telegram channel: channel.py (updates in, replies out), inbox.py (updates stored as they are
fetched), http.py (python-telegram-bot's transport on aiohttp), render.py (Telegram's limits)."""
