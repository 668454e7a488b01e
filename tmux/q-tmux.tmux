#!/usr/bin/env bash
# q-tmux's tmux plugin. TPM runs this file; without TPM, ~/.tmux.conf holds
#   run-shell '/path/to/q-tmux/tmux/q-tmux.tmux'
# TPM throws our output away, so problems are told with display-message.

plugin_file="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"

option() {
    local value
    value="$(tmux show-option -gqv "$1")"
    printf '%s' "${value:-$2}"
}

find_q_tmux() {
    local configured
    configured="$(option @q-tmux-bin '')"
    if [ -n "$configured" ] && [ -x "$configured" ]; then
        printf '%s' "$configured"
    elif command -v q-tmux >/dev/null 2>&1; then
        command -v q-tmux
    elif [ -x "${XDG_BIN_HOME:-$HOME/.local/bin}/q-tmux" ]; then
        printf '%s' "${XDG_BIN_HOME:-$HOME/.local/bin}/q-tmux"
    fi
}

main() {
    local q_tmux
    q_tmux="$(find_q_tmux)"
    if [ -z "$q_tmux" ]; then
        tmux display-message "q-tmux: the q-tmux command was not found; run install.sh from the q-tmux checkout, or set @q-tmux-bin"
        return 0
    fi
    tmux set-option -gq @q-tmux-bin "$q_tmux"
    # q-tmux doctor reads this to tell whether the plugin is loaded.
    tmux set-option -gq @q-tmux-plugin "$plugin_file"
}

main
