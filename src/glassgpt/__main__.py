import signal
import sys

# Ctrl-C before main() takes over (while the command line loads): a quiet exit with the shell's 130
signal.signal(signal.SIGINT, lambda *_: sys.exit(130))

from .cli import main  # noqa: E402  (after the handler, on purpose)

sys.exit(main())
