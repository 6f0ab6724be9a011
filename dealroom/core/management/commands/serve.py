import os
import subprocess
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve HTTP and WebSocket from one ASGI process (uvicorn)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=1)
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="Also run the background job worker as a child process (demo, laptop).",
        )

    def handle(self, *args, host, port, workers, with_worker, **options):
        import uvicorn
        from django.conf import settings

        if "SITE_URL" not in os.environ:
            # Links in e-mails point at this server. The environment carries it to the worker
            # and to uvicorn's worker processes, which read the settings anew.
            settings.SITE_URL = os.environ["SITE_URL"] = f"http://127.0.0.1:{port}"
        worker = None
        if with_worker:
            worker = subprocess.Popen([sys.executable, "-m", "dealroom.cli", "worker"])  # noqa: S603
        try:
            uvicorn.run(
                "config.asgi:application",
                host=host,
                port=port,
                workers=workers,
                lifespan="off",
                log_level="info",
                # No permessage-deflate on sockets: a room message goes to every open page, and
                # compressing it per socket was three quarters of the cost of sending it (and a
                # zlib state per connection). Pages load compressed over HTTP; a live message is
                # a couple of KB.
                ws_per_message_deflate=False,
                # Forwarding headers count only from the proxies in FORWARDED_ALLOW_IPS; with
                # none, not at all. uvicorn's own default trusts 127.0.0.1, so any program on
                # this machine could claim to be any client (dealroom/core/net.py).
                proxy_headers=bool(settings.FORWARDED_ALLOW_IPS),
                forwarded_allow_ips=settings.FORWARDED_ALLOW_IPS or None,
                server_header=False,  # no "Server: uvicorn" telling what to try
            )
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
