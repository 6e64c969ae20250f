"""Starts the real stack for integration tests: s3rver + sample frontend, the built PDF service, Redis, and a
Celery worker, each on a free 127.0.0.1 port, and stops every process it started."""

from __future__ import annotations

import gc
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import requests
from django.conf import settings

from tests.celery_app import app as celery_app
from tests.settings import SECRET_KEY

ROOT = Path(__file__).resolve().parents[3]
DJANGO_DIR = Path(__file__).resolve().parents[1]
INTERNAL_TOKEN = "django-integration-internal-token-0123456789"


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        return


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (requests.ConnectionError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up within {seconds} s")


def forget_connections(app) -> None:
    """Drops the producer pool and result backend an earlier stack's broker left in this process's app."""
    app._after_fork()  # what Celery itself does in a forked child: no pooled connection survives
    app._local = threading.local()


class LiveStack:
    def __init__(self) -> None:
        self.processes: list[subprocess.Popen] = []
        # Settings and environment this stack overrides, restored by stop() so other tests see the originals.
        self.saved_settings: dict[str, object] = {}
        self.saved_environ = dict(os.environ)
        self.saved_celery = {key: celery_app.conf[key] for key in ("broker_url", "result_backend")}
        self.workdir = Path(tempfile.mkdtemp(prefix="django-stack-"))
        self.servers: list[WSGIServer] = []

    def start(
        self,
        *,
        with_celery: bool,
        service_env: dict[str, str] | None = None,
        pool: str = "threads",
        concurrency: int = 4,
    ) -> "LiveStack":
        self.service_env = service_env or {}
        self.pool = pool
        self.concurrency = concurrency
        try:
            self._start(with_celery)
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self, with_celery: bool) -> None:
        neighbours = self._spawn(["node", str(DJANGO_DIR / "tests/stack.cjs"), SECRET_KEY], stdout=subprocess.PIPE)
        info = json.loads(neighbours.stdout.readline())
        self.s3_endpoint, self.bucket, self.frontend = info["s3Endpoint"], info["bucket"], info["frontendOrigin"]

        self.service_port = free_port()
        self.service_url = f"http://127.0.0.1:{self.service_port}"
        self.start_service()
        # This process's Django settings (loaded before the stack existed) and the worker's environment.
        service_settings = {
            "PDF_SERVICE_URL": self.service_url,
            "PDF_SERVICE_INTERNAL_TOKEN": INTERNAL_TOKEN,
            "DEFAULT_FRONTEND_ORIGIN": self.frontend,
        }
        for name, value in service_settings.items():
            self.saved_settings[name] = getattr(settings, name)
            setattr(settings, name, value)
        os.environ.update(service_settings)
        if with_celery:
            self._start_celery()

    def start_service(self) -> None:
        """The built service on this stack's port (again after stop_service: same address, same storage)."""
        self.service = self._spawn(
            ["node", "dist/main.js"],
            cwd=ROOT,
            env={
                **os.environ,
                "NODE_ENV": "production",
                "LOG_LEVEL": "warn",
                "PORT": str(self.service_port),
                "JWT_SECRET": SECRET_KEY,
                "PDF_SERVICE_INTERNAL_TOKEN": INTERNAL_TOKEN,
                "STORAGE_DRIVER": "s3",
                "S3_BUCKET": self.bucket,
                "S3_ENDPOINT": self.s3_endpoint,
                "S3_FORCE_PATH_STYLE": "true",
                "AWS_ACCESS_KEY_ID": "S3RVER",
                "AWS_SECRET_ACCESS_KEY": "S3RVER",
                "FRONTEND_ORIGINS": self.frontend,
                "DEFAULT_FRONTEND_ORIGIN": self.frontend,
                **self.service_env,
            },
        )
        wait_until(lambda: requests.get(f"{self.service_url}/health/ready", timeout=2).ok, "the PDF service")

    def stop_service(self) -> None:
        self.service.terminate()
        self.service.wait(timeout=30)

    def _start_celery(self) -> None:
        redis_port = free_port()
        self._spawn(
            [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
        )
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        wait_until(lambda: socket.create_connection(("127.0.0.1", redis_port), timeout=1).close() is None, "Redis")
        os.environ.update(CELERY_BROKER_URL=redis_url, CELERY_RESULT_BACKEND=redis_url)
        celery_app.conf.update(broker_url=redis_url, result_backend=redis_url)
        forget_connections(celery_app)
        self.worker = self._spawn(
            ["/usr/bin/python3", "-m", "celery", "-A", "tests.celery_app", "worker", "-Q", "pdf", "-c", str(self.concurrency),
             "--pool", self.pool, "--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
            cwd=DJANGO_DIR,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        )

    def serve_django(self) -> str:
        """This process's Django project (tests.urls: the callback view, the admin) on a free port, until stop();
        answers its base URL. Signals its views send reach this process's listeners."""
        from django.core.wsgi import get_wsgi_application

        server = make_server("127.0.0.1", 0, get_wsgi_application(), server_class=ThreadingWSGIServer, handler_class=QuietHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    def _spawn(self, command: list[str], **kwargs) -> subprocess.Popen:
        process = subprocess.Popen(command, text=True, **kwargs)
        self.processes.append(process)
        return process

    def metric(self, series: str) -> float:
        """One series of the service's /metrics (0 when absent)."""
        for line in requests.get(f"{self.service_url}/metrics", timeout=10).text.splitlines():
            if line.startswith(series + " "):
                return float(line.split(" ")[1])
        return 0.0

    def object(self, key: str) -> requests.Response:
        return requests.get(f"{self.s3_endpoint}/{self.bucket}/{key}", timeout=10)

    def stop(self) -> None:
        # Result handles left by the tests finalise against the result backend: let them, while Redis is up.
        gc.collect()
        for server in self.servers:
            server.shutdown()
            server.server_close()
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)
        for name, value in self.saved_settings.items():
            setattr(settings, name, value)
        os.environ.clear()
        os.environ.update(self.saved_environ)
        celery_app.conf.update(self.saved_celery)
        forget_connections(celery_app)
