"""One timeout unit for the suite, scaled on slow machines by CLAMEUR_TEST_TIMEOUT_FACTOR."""

import os

FACTOR = float(os.environ.get("CLAMEUR_TEST_TIMEOUT_FACTOR", "1"))


def timeout(seconds: float = 5.0) -> float:
    return seconds * FACTOR
