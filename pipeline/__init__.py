"""govnotice pipeline: document model, table interpretation, runner, exporters, CLI."""
