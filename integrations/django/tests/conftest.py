import atexit
import os
import shutil
import tempfile

import django

# A database file the Celery workers started by the tests share with this process; removed at exit.
_database_dir = tempfile.mkdtemp(prefix="pdf-trigger-db-")
atexit.register(shutil.rmtree, _database_dir, ignore_errors=True)
os.environ.setdefault("PDF_TRIGGER_TEST_DB", os.path.join(_database_dir, "db.sqlite3"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

from django.core.management import call_command  # noqa: E402 (needs the settings above)

call_command("migrate", verbosity=0)
