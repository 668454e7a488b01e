"""Sessions: creating them, their views and lifecycle, naming, setup and workspaces."""
