"""govnotice pipeline: document model, table interpretation, runner, store, exporters, CLI.

The Python API: ``pipeline.extract(paths, store)`` adds files and folders to a
store folder and returns the batch's summary; ``pipeline.read_store(store)``
and ``pipeline.Store(store)`` read it back as dicts.
"""
__version__ = "0.1.0"
__all__ = ["extract", "read_store", "Store", "__version__"]


def __getattr__(name: str):
    """The API names, imported on first use (importing the package stays cheap)."""
    if name == "extract":
        from pipeline.run import extract
        return extract
    if name in ("read_store", "Store"):
        from pipeline import store
        return getattr(store, name)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
