"""Relay board drivers: modbus-rtu://, lcus:// and the shipped sim:// (see guarded.py)."""
