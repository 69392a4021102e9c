"""The Celery application; configuration comes from Django settings (CELERY_*)."""

import os

from celery import Celery
from kombu import transport as kombu_transports

# The embedded broker (filesystem://) uses our transport, which never lets a worker read a
# half-written message (oversight/broker.py). Set on the URL's scheme rather than through
# CELERY_BROKER_TRANSPORT so that whoever switches the URL (a deployment, a test) switches
# the transport with it. This module is imported before any connection is made.
kombu_transports.TRANSPORT_ALIASES["filesystem"] = "oversight.broker:Transport"

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oversight.settings")

app = Celery("oversight")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
