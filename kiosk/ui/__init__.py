"""The Kivy touchscreen: screens (thin .py + .kv), presenters (plain Python), one thread adapter.

Nothing here imports the store, `devices`, `backend_client` or sync: the UI talks to the
services on the one Kiosk that `bootstrap.build` made (see `kiosk.ui.ports.KioskPort`).
Importing this package does not import Kivy; `kiosk.ui.app.run` does.
"""
