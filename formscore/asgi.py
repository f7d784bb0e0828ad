import gc
import os

from django.core.asgi import get_asgi_application

from formscore.sqlite_wal import wal_checkpoints_in_background

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "formscore.settings")
application = get_asgi_application()
wal_checkpoints_in_background()
gc.freeze()  # as in wsgi.py
