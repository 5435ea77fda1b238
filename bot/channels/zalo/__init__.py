"""The Zalo channel: channel.py (messages in, replies out), api.py (the Bot API on aiohttp),
events.py and render.py (Zalo's formats), photos.py (incoming photos), inbox.py (messages stored as
they arrive), webhook.py (our web server) and picture_links.py (signed links Zalo fetches)."""
