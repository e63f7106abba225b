"""Every diagnostics message code with its English summary and hint templates, in one place.

A check (lobby_core.diagnostics.Check) names its message by `code`; the kiosk fills these
templates with the check's `params` to make its English `summary` and `hint`, and central's
console looks the same code up in its own translations, falling back to the English text the
kiosk sent. Placeholders are `{name}` (str.format); params never carry personal data.
Codes are stable: rename none, add new ones freely.
"""

from __future__ import annotations

import string

# code -> (summary template, hint template)
CODES: dict[str, tuple[str, str]] = {
    # -- the kiosk process and the config
    "kiosk.running": ("kiosk is running (pid {pid}); device states are live",
                      ""),
    "kiosk.not_running": ("kiosk is not running; diag opened the devices itself",
                          "start it: sudo systemctl start lobby-kiosk"),
    "kiosk.unresponsive": ("kiosk is running but does not answer on its control socket",
                           "restart it: sudo systemctl restart lobby-kiosk; if that does not "
                           "help, see its log: journalctl -u lobby-kiosk"),
    "kiosk.no_permission": ("this user may not look into the kiosk's data directory {data_dir}",
                            "run it as root or as the kiosk's user: sudo kiosk diag"),
    "diag.internal": ("{what} could not be checked: {error}",
                      "a bug in diagnostics: send the vendor a bundle (kiosk diag --bundle FILE)"),
    "config.ok": ("config {path} is valid", ""),
    "config.invalid": ("config is not valid: {error}",
                       "fix the key named above in the config file, then run kiosk diag again"),
    # -- card reader
    "card_reader.pcscd_ok": ("PC/SC service (pcscd) answers", ""),
    "card_reader.pcscd_down": ("PC/SC service (pcscd) is not running",
                               "start it: sudo systemctl start pcscd.socket pcscd"),
    "card_reader.ok": ("card reader {reader} is watching for cards", ""),
    "card_reader.no_reader": ("no card reader found: {reason}",
                              "check the reader's USB cable and that pcsc_scan lists it; replug it"),
    "card_reader.down": ("card reader is down: {reason}",
                         "replug the reader; if it stays down restart the kiosk"),
    "card_reader.last_tap": ("last card tap {at}", ""),
    "card_reader.no_tap": ("no card tap recorded yet", ""),
    # -- relay board (turnstile, lockers)
    "relay.port_ok": ("relay port {port} is present", ""),
    "relay.port_missing": ("relay port {port} does not exist",
                           "check the relay board's USB cable; `ls /dev/serial/by-id/` should list it"),
    "relay.ok": ("relay board {url} answers", ""),
    "relay.no_answer": ("relay board does not answer: {reason}",
                        "check the board's power and its unit id and baudrate in the config"),
    "relay.down": ("relay board is down: {reason}",
                   "check the relay board's power and cable, then restart the kiosk"),
    "relay.channel_off": ("channel {channel} ({role}) reads back off", ""),
    "relay.channel_on": ("channel {channel} ({role}) reads back ON while idle",
                         "the turnstile or locker may be held open: check the wiring, "
                         "then restart the kiosk (it switches every channel off)"),
    "relay.channel_unreadable": ("channel {channel} ({role}) cannot be read back: {reason}",
                                 "check the board; is channel {channel} within its channel count?"),
    # -- printer
    "printer.not_configured": ("no printer configured; slips are shown on screen", ""),
    "printer.port_missing": ("printer port {port} does not exist",
                             "check the printer's cable and power; slips are shown on screen meanwhile"),
    "printer.ok": ("printer is connected and has paper", ""),
    "printer.paper_low": ("printer paper is low", "load a new roll soon"),
    "printer.paper_out": ("printer is out of paper", "load a new paper roll and close the cover"),
    "printer.offline": ("printer is offline: {reason}",
                        "check the printer's power and cable; slips are shown on screen meanwhile"),
    "printer.last_failed": ("printer looks fine but the last slip failed: {reason}",
                            "print a test slip: kiosk diag --print"),
    # -- QR scanner
    "qr_scanner.not_configured": ("no QR scanner configured", ""),
    "qr_scanner.ok": ("QR scanner {port} is connected", ""),
    "qr_scanner.port_missing": ("QR scanner port {port} does not exist",
                                "check the scanner's USB cable; replug it"),
    "qr_scanner.down": ("QR scanner is down: {reason}",
                        "replug the scanner; if it stays down restart the kiosk"),
    "qr_scanner.last_scan": ("last QR scan {at}", ""),
    "qr_scanner.no_scan": ("no QR pass scan recorded yet", ""),
    # -- Chinese ID card reader
    "id_reader.not_configured": ("no ID card reader configured; visitors type their ID", ""),
    "id_reader.ok": ("ID card reader is connected", ""),
    "id_reader.silent": ("ID card reader does not answer: {reason}",
                         "check its power and cable, and its baudrate in the config"),
    "id_reader.down": ("ID card reader is down: {reason}",
                       "replug the ID card reader; visitors can type their ID meanwhile"),
    # -- central service
    "central.dns_ok": ("central host {host} resolves to {address}", ""),
    "central.dns_failed": ("central host {host} does not resolve: {reason}",
                           "check the network and DNS (/etc/resolv.conf) and [central] url"),
    "central.tcp_ok": ("TCP connection to {host}:{port} works", ""),
    "central.tcp_failed": ("cannot connect to {host}:{port}: {reason}",
                           "check that central runs and that no firewall blocks port {port}"),
    "central.tls_ok": ("TLS to {host} works; certificate is valid", ""),
    "central.tls_plain": ("plain HTTP to {host} (no TLS)", ""),
    "central.tls_failed": ("TLS to {host} fails: {reason}",
                           "check the kiosk's clock and [central] ca_bundle"),
    "central.auth_ok": ("central accepts this kiosk's token", ""),
    "central.not_enrolled": ("kiosk is not enrolled with central",
                             "enroll it: kiosk enroll URL CODE (code from `central kiosks add`)"),
    "central.auth_refused": ("central refuses this kiosk's token",
                             "the kiosk was removed or its token revoked: enroll it again"),
    "central.error": ("central answers with an error: {reason}",
                      "see central's log; the kiosk keeps working offline meanwhile"),
    "central.latency_ok": ("central answers in {ms} ms", ""),
    "central.latency_slow": ("central answers slowly ({ms} ms)",
                             "check the network link; sync will be slow"),
    "central.clock_ok": ("kiosk clock is within {skew_s} s of central", ""),
    "central.clock_skew": ("kiosk clock differs from central by {skew_s} s",
                           "check NTP: timedatectl status; passes may be judged wrongly"),
    # -- storage
    "storage.integrity_ok": ("database passes its integrity check", ""),
    "storage.no_database": ("no database yet in {data_dir}",
                            "it is created when the kiosk first runs: kiosk run, or kiosk sync --once"),
    "storage.corrupt": ("database is damaged: {detail}",
                        "stop the kiosk, move {path} aside, then kiosk sync --once "
                        "(members come back from central; unsynced entries in the old file)"),
    "storage.disk_ok": ("{free_mb} MB free on the data disk", ""),
    "storage.disk_low": ("only {free_mb} MB free on the data disk",
                         "free disk space: journalctl --vacuum-size=100M, remove old files"),
    "storage.disk_unreadable": ("cannot read free space of {data_dir}: {reason}",
                                "check that {data_dir} exists and is mounted"),
    "storage.size": ("database {db_mb} MB, write-ahead log {wal_mb} MB", ""),
    "storage.wal_large": ("write-ahead log is large ({wal_mb} MB)",
                          "a reader holds the database open for long; restart the kiosk"),
    # -- sync
    "sync.ok": ("last sync with central {at} ({age})", ""),
    "sync.never": ("never synced with central",
                   "run kiosk sync --once and read its error"),
    "sync.stale": ("last sync with central {age} ago: {error}",
                   "check the central checks above; the kiosk works offline meanwhile"),
    "sync.failing": ("sync is failing: {error}",
                     "check the central checks above; the kiosk works offline meanwhile"),
    "sync.not_enrolled": ("sync is off: kiosk not enrolled",
                          "enroll it: kiosk enroll URL CODE"),
    "sync.not_authorised": ("sync is off: central refused the kiosk's token",
                            "enroll it again: kiosk enroll URL CODE"),
    "sync.backlog_ok": ("{count} entries waiting to be sent to central", ""),
    "sync.backlog_high": ("{count} entries waiting to be sent to central",
                          "check the central checks above; they are sent once it is reachable"),
    "sync.members_ok": ("{count} members, list as of {age} ago", ""),
    "sync.members_stale": ("{count} members, list as of {age} ago",
                           "the member list is old: check sync with central"),
    "sync.no_members": ("no members on this kiosk",
                        "sync with central (kiosk sync --once) or kiosk members import FILE.csv"),
    "sync.unknown": ("sync state cannot be read: {reason}", "check the storage checks above"),
    # -- versions
    "versions.product": ("lobby-kiosk {version}", ""),
    "versions.python": ("Python {version}", ""),
    "versions.pcscd": ("pcscd {version}", ""),
    "versions.kivy": ("Kivy {version}", ""),
    # -- live tests (--pulse, --print)
    "action.pulse_ok": ("gate relay channel {channel} pulsed for {ms} ms", ""),
    "action.pulse_failed": ("gate pulse failed: {reason}",
                            "check the relay checks above; the gate may not have opened"),
    "action.print_ok": ("test slip printed", ""),
    "action.print_failed": ("test slip failed: {reason}", "check the printer checks above"),
}


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def render(code: str, params: dict[str, str]) -> tuple[str, str]:
    """(summary, hint) for a code; a KeyError for an unknown code or a missing param is a bug
    in the check that asked, and tests cover every code with its params."""
    summary, hint = CODES[code]
    return summary.format(**params), hint.format(**params)
