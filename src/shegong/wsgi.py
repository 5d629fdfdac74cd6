import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.settings")
application = get_wsgi_application()

# Move everything loaded at start-up out of the garbage collector's generations: a full
# collection over Django's import-time objects took ~55 ms and hit ~1 request in 100-150.
gc.collect()
gc.freeze()
