"""``python -m rmttheory.cli``."""

import sys

from rmttheory.cli import main

sys.exit(main())
