"""Pure domain rules of the kiosk (no IO): who may enter, and what a screen may show."""
