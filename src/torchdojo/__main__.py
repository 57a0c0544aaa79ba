"""`python -m torchdojo` is `dojo` (torchrun needs a module to launch)."""

import sys

from torchdojo.cli import main

sys.exit(main())
