"""`python -m pipeline` runs the govnotice command."""
import sys

from pipeline.cli import main

sys.exit(main())
