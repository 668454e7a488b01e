#!/usr/bin/env bash
# TPM runs the *.tmux files at the root of a plugin's repository: this one
# hands over to the plugin itself, tmux/q-tmux.tmux, with any arguments.
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tmux/q-tmux.tmux" "$@"
