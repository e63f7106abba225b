"""`make demo`: the whole product on one machine with simulated devices (run: python -m kiosk.demo)."""
