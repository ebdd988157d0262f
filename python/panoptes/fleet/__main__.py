"""`python -m panoptes.fleet`."""

import sys

# The task function travels to the workers by reference to `panoptes.fleet.tasks`, which every
# node imports; nothing of this module is sent.
from panoptes.fleet import main

sys.exit(main())
