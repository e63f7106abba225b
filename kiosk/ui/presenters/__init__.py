"""View-models in plain Python: what each screen shows and does, tested without Kivy."""
