#!/usr/bin/env bash
# q-tmux's tmux plugin. TPM runs this file; without TPM, ~/.tmux.conf holds
#   run-shell '/path/to/q-tmux/tmux/q-tmux.tmux'
# TPM throws our output away, so problems are told with display-message.
#
# Options (set them before this file runs):
#   @q-tmux-key-next  j     jump to the session that has waited longest (again: the next)
#   @q-tmux-key-pick  J     pick a session from a list (popup)
#   @q-tmux-key-new   N     new session: asks for a name and a first message (popup)
#   @q-tmux-key-merge G     merge the current session (asks first)
#     any of them "none" to leave that key alone; a key you already bound is never taken.
#   @q-tmux-status-auto on  put the status in status-right when you placed no #{q_tmux_status}
#   @q-tmux-status-width 50 cells the status may take; status-right-length (or -left-) grows by it
#   @q-tmux-window-marks on add each q-tmux window's marker to the window list
#   @q-tmux-bin             path of the q-tmux command, when it is not on PATH
#
# `q-tmux.tmux --unload` takes it out of the server again (install.sh --uninstall
# does this on every running server): its keys, its status and window-list items.

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

# Raise SIDE-length (status-left-length, status-right-length) by CELLS, the room
# the q-tmux text takes, so that the user's own items are not cut off. It is
# never lowered, and raised once per placement: when the length is still the one
# we set (the config was sourced again, which put the placeholder back but left
# the length alone), it is raised from the value it had before us.
make_room() {
    local side="$1" cells="$2" current ours before
    case "$cells" in ''|*[!0-9]*) return 0 ;; esac
    [ "$cells" -gt 0 ] || return 0
    current="$(tmux show-option -gqv "$side-length")"
    ours="$(tmux show-option -gqv "@q-tmux-$side-length")"
    before="$current"
    if [ -n "$ours" ] && [ "$current" = "$ours" ]; then
        before="$(tmux show-option -gqv "@q-tmux-$side-length-before")"
    fi
    case "$before" in ''|*[!0-9]*) before="$current" ;; esac
    tmux set-option -gq "$side-length" "$((before + cells))"
    tmux set-option -gq "@q-tmux-$side-length" "$((before + cells))"
    tmux set-option -gq "@q-tmux-$side-length-before" "$before"
}

# #{q_tmux_status} in status-left/right becomes the option q-tmux keeps up to date.
interpolate_status() {
    local side value placed=no cells
    cells="$(option @q-tmux-status-width 50)"
    for side in status-left status-right; do
        value="$(tmux show-option -gqv "$side")"
        case "$value" in
            *'#{q_tmux_status}'*)
                tmux set-option -gq "$side" "${value//\#\{q_tmux_status\}/#\{@q-tmux-status\}}"
                make_room "$side" "$cells"
                placed=yes ;;
            *'#{@q-tmux-status}'*) placed=yes ;;
        esac
    done
    if [ "$placed" = no ] && [ "$(option @q-tmux-status-auto on)" = on ]; then
        value="$(tmux show-option -gqv status-right)"
        tmux set-option -gq status-right "#{?#{@q-tmux-status},#{@q-tmux-status} ,}$value"
        make_room status-right "$((cells + 1))"  # the text and the space after it
    fi
}

# Each q-tmux window carries @q-tmux-mark (waiting, asking, busy, exited).
interpolate_window_marks() {
    local format value
    for format in window-status-format window-status-current-format; do
        value="$(tmux show-option -gwqv "$format")"
        case "$value" in
            *'#{q_tmux_mark}'*)
                tmux set-option -gwq "$format" "${value//\#\{q_tmux_mark\}/#\{@q-tmux-mark\}}" ;;
            *'@q-tmux-mark'*) ;;
            *)
                if [ "$(option @q-tmux-window-marks on)" = on ]; then
                    tmux set-option -gwq "$format" "$value#{?#{@q-tmux-mark},#{@q-tmux-mark},}"
                fi ;;
        esac
    done
}

# Bind KEY in the prefix table unless it is "none" or already bound to something else.
bind_unless_taken() {
    local key="$1" note="$2"; shift 2
    [ "$key" = none ] && return 0
    local existing
    if existing="$(tmux list-keys -T prefix "$key" 2>/dev/null)" && [ -n "$existing" ]; then
        case "$existing" in
            *q-tmux*) ;;  # ours, from an earlier load: rebind
            *)
                tmux display-message "q-tmux: prefix $key is already bound; set @q-tmux-key-* to another key"
                return 0 ;;
        esac
    fi
    tmux bind-key -N "q-tmux: $note" -T prefix "$key" "$@"
}

bind_keys() {
    local q="$1" popup=no title=()
    tmux list-commands display-popup >/dev/null 2>&1 && popup=yes
    tmux list-commands display-popup 2>/dev/null | grep -q -- '-T title' && title=(-T ' q-tmux ')
    local client="--client '#{client_name}'"

    bind_unless_taken "$(option @q-tmux-key-next j)" "jump to the longest-waiting session" \
        run-shell -b "'$q' next $client"

    if [ "$popup" = yes ]; then
        bind_unless_taken "$(option @q-tmux-key-pick J)" "pick a session" \
            display-popup -E -w 90% -h 80% "${title[@]}" "'$q' pick $client"
        bind_unless_taken "$(option @q-tmux-key-new N)" "new session" \
            display-popup -E -w 80% -h 40% -d '#{pane_current_path}' "${title[@]}" \
            "'$q' new --ask $client"
        bind_unless_taken "$(option @q-tmux-key-merge G)" "merge this session" \
            display-popup -E -w 90% -h 80% -d '#{pane_current_path}' "${title[@]}" \
            "'$q' merge --from-key $client; printf '\\nPress Enter to close. '; read -r _"
    else
        # No popups: tmux's own tree of q-tmux windows, and a window to ask in.
        bind_unless_taken "$(option @q-tmux-key-pick J)" "pick a session" \
            choose-tree -Zw -f '#{!=:#{@q-tmux-id},}'
        bind_unless_taken "$(option @q-tmux-key-new N)" "new session" \
            new-window -c '#{pane_current_path}' "'$q' new --ask $client"
        bind_unless_taken "$(option @q-tmux-key-merge G)" "merge this session" \
            new-window -c '#{pane_current_path}' \
            "'$q' merge --from-key $client; printf '\\nPress Enter to close. '; read -r _"
    fi
}

main() {
    local q_tmux
    q_tmux="$(find_q_tmux)"
    if [ -z "$q_tmux" ]; then
        tmux display-message "q-tmux: the q-tmux command was not found; run install.sh from the q-tmux checkout, or set @q-tmux-bin"
        return 0
    fi
    # The path goes into key bindings' commands, which tmux expands as formats when
    # the key is pressed (a "#(...)" would run) and a shell splits at quotes.
    case "$q_tmux" in *"'"* | *"#"*)
        tmux display-message "q-tmux: the path of q-tmux contains a quote or a #; set @q-tmux-bin to a link without one"
        return 0 ;;
    esac
    tmux set-option -gq @q-tmux-bin "$q_tmux"
    interpolate_status
    interpolate_window_marks
    bind_keys "$q_tmux"
    # q-tmux doctor reads this to tell whether the plugin is loaded.
    tmux set-option -gq @q-tmux-plugin "$plugin_file"
    "$q_tmux" status-line --publish >/dev/null 2>&1 || true
}

# The room make_room added to SIDE-length, unless the user has set it since.
give_back_room() {
    local side="$1" ours before
    ours="$(tmux show-option -gqv "@q-tmux-$side-length")"
    before="$(tmux show-option -gqv "@q-tmux-$side-length-before")"
    if [ -n "$ours" ] && [ -n "$before" ] && [ "$(tmux show-option -gqv "$side-length")" = "$ours" ]; then
        tmux set-option -gq "$side-length" "$before"
    fi
    tmux set-option -gqu "@q-tmux-$side-length"
    tmux set-option -gqu "@q-tmux-$side-length-before"
}

# Undo what main did. Keep this in step with interpolate_status,
# interpolate_window_marks and bind_keys.
unload() {
    local key note side value format
    # Our keys carry a "q-tmux: ..." note; a key the user bound is never touched.
    while read -r key note; do
        case "$note" in "q-tmux: "*) tmux unbind-key -T prefix "$key" ;; esac
    done < <(tmux list-keys -N -T prefix 2>/dev/null)
    for side in status-left status-right; do
        value="$(tmux show-option -gqv "$side")"
        value="${value//\#\{\?\#\{@q-tmux-status\},\#\{@q-tmux-status\} ,\}/}"
        tmux set-option -gq "$side" "${value//\#\{@q-tmux-status\}/#\{q_tmux_status\}}"
        give_back_room "$side"
    done
    for format in window-status-format window-status-current-format; do
        value="$(tmux show-option -gwqv "$format")"
        value="${value//\#\{\?\#\{@q-tmux-mark\},\#\{@q-tmux-mark\},\}/}"
        tmux set-option -gwq "$format" "${value//\#\{@q-tmux-mark\}/#\{q_tmux_mark\}}"
    done
    tmux set-option -gqu @q-tmux-status
    tmux set-option -gqu @q-tmux-jumped
    tmux set-option -gqu @q-tmux-bin
    tmux set-option -gqu @q-tmux-plugin
}

case "${1:-}" in
    --unload) unload ;;
    *) main ;;
esac
