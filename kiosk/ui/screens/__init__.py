"""The kiosk's screens: one thin .py (registered by name) and one .kv per screen."""
