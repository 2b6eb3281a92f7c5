import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The DJA3/DJA4 runtime symptom (a stalled event loop) and the local slow services
# those fixtures talk to are registered by test_runtime_loop on import; import it
# here so tests/test_runtime.py judges those cases the same way when run alone.
import test_runtime_loop  # noqa: E402,F401
