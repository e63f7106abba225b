"""Diagnostics: every check a technician needs, for `kiosk diag`, the Diagnostics screen and
the heartbeat, as one lobby_core.diagnostics.Report.

- live.LiveDiagnostics: inside the running kiosk (Kiosk.diagnose()), from the devices it holds;
- standalone.probe_devices + collect.diagnose: `kiosk diag` when no kiosk runs;
- control: the running kiosk's Unix socket that `kiosk diag` asks (light to import);
- actions.RemoteActions: live tests (gate pulse, test slip, bundle) for diag and the console;
- bundle: the support bundle, scrubbed of personal data and secrets.

Import the submodule you need: this package imports nothing itself, so asking a running
kiosk does not load the store or the drivers.
"""
