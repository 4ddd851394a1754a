"""Development settings: DEBUG on, for a developer's machine only. Never used by `mamori serve`."""

import os

os.environ.setdefault("MAMORI_INSECURE_HTTP", "1")

from mamori.settings import *  # noqa: F403

DEBUG = True
