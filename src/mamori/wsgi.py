"""WSGI entry point for `mamori serve` (waitress) or any WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
application = get_wsgi_application()
