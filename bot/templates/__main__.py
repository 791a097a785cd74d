"""`python -m bot.templates check | review`: see bot.templates.check."""

import sys

from bot.templates.check import main

sys.exit(main())
