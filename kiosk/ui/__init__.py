"""The Kivy touchscreen: screens (thin .py + .kv), presenters (plain Python), widgets."""
