"""WSGI entry point for gunicorn."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their modules) lives as long as the process: move it
# out of the cyclic collector's sight so its full passes stop walking it during requests, where
# they made the slowest reads several times the median (docs/benchmarks.md).
gc.freeze()
