"""The kiosk touchscreen (Kivy): screens, widgets, keyboards."""
