"""Bringing a session's work back: preview, the merge engine, conflicts and clean-up."""
