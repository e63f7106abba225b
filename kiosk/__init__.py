"""lobby-kiosk: the kiosk application (domain rules, services, local store, UI, CLI)."""

__version__ = "0.1.0"
