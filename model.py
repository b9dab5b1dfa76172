"""The course's entry point: `python model.py --mode components|full|params|attention|generate|all`.

The GPT itself is src/glassgpt/model.py; this file only hands the command line to glassgpt's CLI
(`glassgpt --mode MODE` means the same).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))  # run the code of this checkout, installed or not

from glassgpt.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
