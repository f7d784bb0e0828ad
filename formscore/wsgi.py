import gc
import os

from django.core.wsgi import get_wsgi_application

from formscore.sqlite_wal import wal_checkpoints_in_background

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "formscore.settings")
application = get_wsgi_application()
wal_checkpoints_in_background()
# What the app loaded lives as long as the process: keep it out of the cyclic collector's full
# passes, which otherwise walk all of it (a 90 ms pause every thousand submits or so).
gc.freeze()
