"""WSGI entry point, e.g. `gunicorn unionnews.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionnews.settings")

application = get_wsgi_application()
