"""Run the API with uvicorn: one process by default, optionally several (``WORKERS``).

One worker is the default on purpose. On Linux, uvicorn's multi-worker mode creates its listening
socket without ``IPPROTO_TCP``, so accepted connections never get ``TCP_NODELAY``; Nagle's
algorithm then meets the client's delayed ACK and every keep-alive request after the first waits
~40 ms (uvicorn issue #3149). Measured: 2 stock workers served ~20 req/s at concurrency 1 where
one worker served ~470. When ``WORKERS`` > 1 we create the socket ourselves, with the protocol
set, and hand it to uvicorn, which avoids the stall. More workers only help a model whose
``predict`` is slow enough to keep one core busy; each one loads its own copy of the model.
"""

from __future__ import annotations

import socket

from . import logs
from .loading import LoadedModel, load
from .settings import ServeSettings


def serve(settings: ServeSettings, loaded: LoadedModel | None = None) -> None:
    """Serve until interrupted. Loads the model first, so a missing model fails fast and clearly."""
    import uvicorn

    from .app import create_app

    loaded = loaded or load(settings.model_uri)
    options = {
        "host": settings.host,
        "port": settings.port,
        "log_config": logs.log_config(settings.log_level),
        "access_log": False,  # our middleware writes one structured line per request
        "timeout_keep_alive": 30,
    }
    if settings.workers == 1:
        uvicorn.run(create_app(loaded, settings), **options)
        return
    from uvicorn.supervisors import Multiprocess

    # Each worker builds its own app (and loads the model) from the same environment.
    config = uvicorn.Config(
        f"{__package__}.app:create_app", factory=True, workers=settings.workers, **options
    )
    sockets = [listening_socket(settings.host, settings.port)]
    try:
        supervisor = Multiprocess(config, sockets=sockets)  # uvicorn's current signature
    except TypeError:  # older uvicorn wants the server's run method too
        supervisor = Multiprocess(config, target=uvicorn.Server(config).run, sockets=sockets)
    supervisor.run()


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP listening socket created with ``IPPROTO_TCP``, shareable with worker processes."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock
