"""`python -m mamori.cli`."""

import sys

from mamori.cli import main

sys.exit(main())
