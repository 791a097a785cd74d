"""The only place that speaks SQL (sqlite-utils): schema, repositories, the outbox.

sqlite-utils imports numpy when it is installed, to map numpy values to column types. The bot
never stores numpy values, and numpy is here only for the chart library, which is loaded only
when a chart is drawn: imported at start-up it would cost every bot process about 11 MiB for
nothing. So sqlite-utils is imported first here with numpy hidden from it; numpy stays
importable for the chart.
"""

import sys

if "sqlite_utils" not in sys.modules and "numpy" not in sys.modules:
    sys.modules["numpy"] = None  # type: ignore[assignment]  # makes `import numpy` fail, once
    try:
        import sqlite_utils  # noqa: F401
    finally:
        del sys.modules["numpy"]
