"""Presenters: the screens' view-models in plain Python (no Kivy), unit-tested on their own."""
