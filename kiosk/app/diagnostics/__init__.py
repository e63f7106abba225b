"""Diagnostics: every check a technician needs, for `kiosk diag`, the Diagnostics screen and
the heartbeat, as one lobby_core.diagnostics.Report.

- live.LiveDiagnostics: inside the running kiosk (Kiosk.diagnose()), from the devices it holds;
- standalone.probe_devices + collect.diagnose: `kiosk diag` when no kiosk runs;
- control: the running kiosk's Unix socket that `kiosk diag` asks;
- actions.RemoteActions: live tests (gate pulse, test slip, bundle) for diag and the console.
"""

from __future__ import annotations

from .actions import RemoteActions
from .collect import diagnose
from .control import ControlError, ControlServer, Handlers, ask
from .live import Activity, LiveDiagnostics, LiveParts

__all__ = ["Activity", "ControlError", "ControlServer", "Handlers", "LiveDiagnostics",
           "LiveParts", "RemoteActions", "ask", "diagnose"]
