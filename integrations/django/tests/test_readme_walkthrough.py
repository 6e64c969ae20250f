"""Runs README.md's walk-through as written, block by block, in a throwaway project: a fresh `startproject`,
the package installed with pip, settings from the README, a Celery worker without a result backend, the
class queued through the hook, against the real service, s3rver and Redis. The README cannot drift from
what works: every command and snippet comes from it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.live_stack import DJANGO_DIR, INTERNAL_TOKEN, LiveStack, free_port, wait_until
from tests.settings import SECRET_KEY

FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", re.S | re.M)


def walkthrough_blocks() -> list[tuple[str, str, str]]:
    """(language, info, text) of every fenced block in the walk-through section, in order."""
    readme = (DJANGO_DIR / "README.md").read_text()
    section = readme[readme.index("## Walk-through") : readme.index("## Reference")]
    return [(match[1], match[2].strip(), match[3]) for match in FENCE.finditer(section)]


#: The project's runserver address: chosen before the service starts, whose CALLBACK_ORIGINS must name it.
DJANGO_PORT = free_port()


@pytest.fixture(scope="module")
def stack():
    live = LiveStack().start(
        with_celery=False,
        service_env={"CALLBACK_ORIGINS": f"http://127.0.0.1:{DJANGO_PORT}", "CALLBACK_SECRET": INTERNAL_TOKEN},
    )
    yield live
    live.stop()


def expected_output_lines() -> list[re.Pattern[str]]:
    """The walk-through's quoted output, `<placeholder>` standing for one word that differs per run."""
    quoted = [text for language, info, text in walkthrough_blocks() if (language, info) == ("text", "output")]
    assert quoted, "the walk-through quotes the command's output"
    return [
        re.compile("^" + re.sub(r"<[^>]+>", r"\\S+", re.escape(line)) + "$", re.M)
        for text in quoted
        for line in text.splitlines()
    ]


def stored_batches(database: Path) -> list[tuple[str, str, int, int, bool]]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT class_id, state, total, succeeded, finished_at IS NOT NULL FROM pdf_trigger_pdfbatch ORDER BY class_id, total"
        )
        return [tuple(row) for row in rows]


def test_the_readme_walkthrough_stores_every_pdf_of_the_class(stack, tmp_path: Path):
    redis_port = free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    background: list[subprocess.Popen] = []
    try:
        wait_until(lambda: socket.create_connection(("127.0.0.1", redis_port), timeout=1).close() is None, "Redis")
        values = {
            "PDF_SERVICE_URL": stack.service_url,
            "PDF_SERVICE_INTERNAL_TOKEN": INTERNAL_TOKEN,
            "PDF_TOKEN_SECRET": SECRET_KEY,
            "PDF_FRONTEND_ORIGIN": stack.frontend,
            "PDF_CALLBACK_URL": f"http://127.0.0.1:{DJANGO_PORT}/pdf-batches/callback",
            "DJANGO_ADDRESS": f"127.0.0.1:{DJANGO_PORT}",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        }
        # The package is installed from a copy, so the build leaves nothing in the repository.
        shutil.copytree(DJANGO_DIR, tmp_path / "integrations/django", ignore=shutil.ignore_patterns("tests", "__pycache__", "build", "*.egg-info"))
        project = tmp_path
        env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_", "PDF_"))}
        # `python3` in the README is the Python that has Django and Celery: here Debian's, not a pyenv shim.
        shims = tmp_path / "bin"
        shims.mkdir()
        (shims / "python3").symlink_to("/usr/bin/python3")
        env["PATH"] = f"{shims}:{env['PATH']}"
        exports: list[str] = []
        outputs: list[str] = []
        for language, info, text in walkthrough_blocks():
            if language == "python":
                if info == "settings":
                    with (project / "myschool/settings.py").open("a") as settings_file:
                        settings_file.write("\n" + text)
                elif info.startswith("file="):
                    (project / info[len("file="):]).write_text(text)
                continue
            if language == "text":
                continue  # quoted output, compared below
            assert language == "bash", f"unexpected block {language}"
            for line in text.splitlines():
                exported = re.match(r"^export (\w+)=", line)
                if exported:
                    # The README's example values, replaced by this test stack's.
                    exports.append(f"export {exported[1]}={values[exported[1]]}")
            script = "\n".join(line for line in text.splitlines() if not line.startswith("export "))
            # The test machine has no package index: pip builds with the system's setuptools, offline.
            script = script.replace("pip install ./integrations/django", "pip install -q --no-build-isolation --no-index ./integrations/django")
            prelude = "\n".join(["set -euo pipefail", *exports, "[ -f .venv/bin/activate ] && . .venv/bin/activate || true"])
            foreground = [line for line in script.splitlines() if not line.rstrip().endswith("&")]
            for line in script.splitlines():
                if line.rstrip().endswith("&"):
                    background.append(
                        subprocess.Popen(
                            ["bash", "-c", f"{prelude}\nexec {line.rstrip()[:-1]}"],
                            cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True,
                        )
                    )
            # Give a started worker a moment to connect before the next block queues work.
            time.sleep(3 if background else 0)
            done = subprocess.run(
                ["bash", "-c", prelude + "\n" + "\n".join(foreground)],
                cwd=project, env=env, capture_output=True, text=True, timeout=300,
            )
            outputs.append(done.stdout + done.stderr)
            assert done.returncode == 0, f"README block failed:\n{text}\n--- output ---\n{done.stdout}\n{done.stderr}"
        assert "System check identified no issues" in "\n".join(outputs)
        for line in expected_output_lines():
            assert line.search("\n".join(outputs)), f"README's quoted output {line.pattern!r} not in the real output"
        keys = [f"reports/CLASS_123/Test_7/students/STU{n:03d}.pdf" for n in range(1, 21)] + [
            "reports/CLASS_123/Test_7/teacher_TCH001.pdf"
        ]
        deadline = time.monotonic() + 180
        missing = keys
        while missing and time.monotonic() < deadline:
            missing = [key for key in keys if stack.object(key).status_code != 200]
            time.sleep(1)
        assert missing == [], f"not stored: {missing}"
        for key in keys:
            assert stack.object(key).content[:5] == b"%PDF-", key
        # The hook's batch finished through the callback (nothing polled it): its row says so.
        expected = [("CLASS_123", "completed", 1, 1, True), ("CLASS_123", "completed", 21, 21, True)]
        deadline = time.monotonic() + 60
        while stored_batches(project / "db.sqlite3") != expected and time.monotonic() < deadline:
            time.sleep(0.5)
        assert stored_batches(project / "db.sqlite3") == expected
        print("\n".join(outputs))
    finally:
        for process in background:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, signal.SIGKILL)
        redis.terminate()
        redis.wait()
