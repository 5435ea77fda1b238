"""The channels end to end: the real bot against the local Telegram and Zalo emulators."""
