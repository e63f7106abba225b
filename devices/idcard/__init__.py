"""Chinese ID card (二代证) readers: a SAM module on a serial line, a simulator, or none.

Open one with `devices.open_id_reader(url)`; drivers: serial_reader (idcard-serial://),
sim (sim://), none. frame and textblock are the pure wire format and text-block parser.
"""
