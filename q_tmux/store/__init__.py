"""What q-tmux keeps on disk: session records, the registry, config and journals."""
