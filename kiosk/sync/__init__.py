"""The kiosk's sync with central: the engine (one cycle), the background worker, and the store
operations it needs. The HTTP side lives in backend_client; this package adds the kiosk store."""
