"""`python -m pipeline` runs the govnotice command."""
from pipeline.cli import entry

entry()
