"""Rules the kiosk and central share: masking, card UIDs, ID documents, the members CSV
format, signed passes and invitations, facility codes.

Imports neither `kiosk` nor `central` (a test checks it): both sides import this package,
so a rule lives here once and cannot drift between them.
"""
