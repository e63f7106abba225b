"""Run the app under uvicorn, waking every long-poll the moment shutdown starts.

uvicorn's graceful shutdown waits for open requests; a kiosk long-polling for 30 s would hold
a restart for 30 s. Our Server wakes the waiters first, so they answer (empty) at once.
"""

from __future__ import annotations

from typing import Any

import uvicorn

from .app import create_app
from .context import Central


class CentralServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, central: Central) -> None:
        super().__init__(config)
        self.central = central

    async def shutdown(self, sockets: Any = None) -> None:
        self.central.wakeups.close_waiters()
        await super().shutdown(sockets)


def make_server(
    central: Central,
    host: str,
    port: int,
    *,
    log_level: str = "info",
    run_jobs: bool = True,
    access_log: bool = False,  # query strings (member searches) would land in the journal
) -> CentralServer:
    app = create_app(central, run_jobs=run_jobs)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=access_log,
        timeout_graceful_shutdown=5,
        lifespan="on",
        server_header=False,
        limit_concurrency=2000,
        backlog=2048,
    )
    return CentralServer(config, central)
