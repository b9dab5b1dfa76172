"""The child process of `glassgpt check`: `python -m glassgpt.checker FILE SEED` (sandbox.py says why)."""

import os
import sys

from .sandbox import child_main

child_main(sys.argv[1:])
os._exit(0)  # at once: no exit handlers or threads the learner's file may have left behind
