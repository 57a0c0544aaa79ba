"""`python -m torchdojo` is `dojo` (torchrun needs a module to launch)."""

import os
import sys

from torchdojo.cli import main

code = main()
if "WORLD_SIZE" in os.environ:  # a rank torchrun started: it must not tear down (see leave)
    from torchdojo.runner.processes import leave

    leave(code)
sys.exit(code)
