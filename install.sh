#!/usr/bin/env bash
# Install q-tmux for this user: the `q-tmux` command in an isolated environment
# (pipx, else `uv tool`, else a venv under the XDG data dir linked into
# ~/.local/bin), the tmux plugin, and shell completion for bash, zsh and fish.
# Running it again changes nothing. `./install.sh --uninstall` undoes it, and
# takes the plugin out of the tmux servers that run. Q_TMUX_INSTALL_METHOD=pipx|uv|venv
# picks the method.
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/q-tmux"
bin_dir="${XDG_BIN_HOME:-$HOME/.local/bin}"
stamp="$data_dir/install-stamp"
venv="$data_dir/venv"
plugin="$repo_dir/tmux/q-tmux.tmux"
plugin_line="run-shell '$plugin'"

state_dir="${XDG_STATE_HOME:-$HOME/.local/state}/q-tmux"
# bash-completion loads this on demand; fish reads its completions folder; zsh
# gets the file sourced from ~/.zshrc once compinit has run.
bash_completion="${BASH_COMPLETION_USER_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/bash-completion}/completions/q-tmux"
fish_completion="${XDG_CONFIG_HOME:-$HOME/.config}/fish/completions/q-tmux.fish"
zsh_completion="$data_dir/completion/_q-tmux"
zshrc="${ZDOTDIR:-$HOME}/.zshrc"
zsh_line="(( \$+functions[compdef] )) && [ -f '$zsh_completion' ] && source '$zsh_completion'  # q-tmux completion"

say() { printf 'q-tmux install: %s\n' "$*"; }
die() { printf 'q-tmux install: %s\n' "$*" >&2; exit 1; }

tmux_conf() {
    local xdg="${XDG_CONFIG_HOME:-$HOME/.config}/tmux/tmux.conf"
    if [ ! -e "$HOME/.tmux.conf" ] && [ -e "$xdg" ]; then printf '%s' "$xdg"; else printf '%s' "$HOME/.tmux.conf"; fi
}

uses_tpm() {
    local conf="$1"
    [ -d "$HOME/.tmux/plugins/tpm" ] || { [ -f "$conf" ] && grep -q "tmux-plugins/tpm" "$conf"; }
}

source_digest() {
    # Whatever would change the installed program: its package and metadata.
    (cd "$repo_dir" && find pyproject.toml q_tmux -type f -name '*.py' -o -name pyproject.toml | LC_ALL=C sort |
        xargs cat | python3 -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')
}

pick_method() {
    case "${Q_TMUX_INSTALL_METHOD:-}" in
        pipx|uv|venv) printf '%s' "$Q_TMUX_INSTALL_METHOD"; return ;;
        "") ;;
        *) die "Q_TMUX_INSTALL_METHOD must be pipx, uv or venv, not '$Q_TMUX_INSTALL_METHOD'." ;;
    esac
    if command -v pipx >/dev/null 2>&1; then printf pipx
    elif command -v uv >/dev/null 2>&1; then printf uv
    else printf venv; fi
}

find_python() {
    local candidate
    for candidate in python3 python3.13 python3.12 python3.11; do
        if command -v "$candidate" >/dev/null 2>&1 &&
           "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"; return
        fi
    done
    die "q-tmux needs Python 3.11 or newer; none was found on PATH."
}

install_program() {
    local method="$1" python
    case "$method" in
        pipx) pipx install --force "$repo_dir" >/dev/null ;;
        uv) uv tool install --force "$repo_dir" >/dev/null ;;
        venv)
            python="$(find_python)"
            rm -rf "$venv"
            "$python" -m venv "$venv" 2>/dev/null ||
                die "'$python -m venv' failed; on Debian or Ubuntu install it with: apt-get install python3-venv"
            "$venv/bin/pip" install --quiet --disable-pip-version-check "$repo_dir" ||
                { rm -rf "$venv"; die "pip could not install q-tmux into $venv (see above)."; }
            mkdir -p "$bin_dir"
            ln -sfn "$venv/bin/q-tmux" "$bin_dir/q-tmux"
            ;;
    esac
}

add_plugin_line() {
    local conf="$1"
    if uses_tpm "$conf"; then
        local origin
        origin="$(git -C "$repo_dir" config --get remote.origin.url 2>/dev/null || printf '%s' "$repo_dir")"
        say "TPM found: add this line to $conf before TPM's run line, then press prefix + I:"
        printf "    set -g @plugin '%s'\n" "$origin"
        return
    fi
    if [ -f "$conf" ] && grep -qxF "$plugin_line" "$conf"; then
        return
    fi
    mkdir -p "$(dirname "$conf")" "$data_dir"
    [ -e "$conf" ] || : > "$data_dir/created-tmux-conf"
    printf '%s\n' "$plugin_line" >> "$conf"
    say "added the plugin to $conf"
}

completion_file() {
    case "$1" in bash) printf '%s' "$bash_completion" ;; zsh) printf '%s' "$zsh_completion" ;;
        fish) printf '%s' "$fish_completion" ;; esac
}

completion_shells() {
    printf 'bash\nzsh\n'
    # fish only where it is used: no fish folders made for nothing.
    if command -v fish >/dev/null 2>&1 || [ -d "$(dirname "$(dirname "$fish_completion")")" ]; then
        printf 'fish\n'
    fi
}

completion_installed() {
    local shell
    for shell in $(completion_shells); do [ -f "$(completion_file "$shell")" ] || return 1; done
    [ ! -f "$zshrc" ] || grep -qxF "$zsh_line" "$zshrc"
}

install_completion() {
    # click writes each shell's script; the script asks q-tmux at every TAB.
    local q="$1" shell file
    for shell in $(completion_shells); do
        file="$(completion_file "$shell")"
        mkdir -p "$(dirname "$file")"
        if _Q_TMUX_COMPLETE="${shell}_source" "$q" > "$file.tmp" && [ -s "$file.tmp" ]; then
            mv "$file.tmp" "$file"
        else
            rm -f "$file.tmp"
            say "warning: could not make the $shell completion"
        fi
    done
    if [ -f "$zshrc" ] && ! grep -qxF "$zsh_line" "$zshrc"; then
        printf '%s\n' "$zsh_line" >> "$zshrc"
    fi
    say "shell completion installed for $(completion_shells | paste -sd' ' -)"
    if [ ! -f /usr/share/bash-completion/bash_completion ] && [ ! -f /etc/bash_completion ]; then
        say "bash-completion is not installed: for bash, add this line to ~/.bashrc: source '$bash_completion'"
    fi
}

uninstall_completion() {
    local file
    for file in "$bash_completion" "$fish_completion" "$zsh_completion"; do
        # Only a file we wrote: click's scripts all define _q_tmux_completion.
        if [ -f "$file" ] && grep -q _q_tmux_completion "$file"; then rm -f "$file"; fi
    done
    rmdir "$(dirname "$zsh_completion")" 2>/dev/null || true
    if [ -f "$zshrc" ] && grep -qxF "$zsh_line" "$zshrc"; then
        grep -vxF "$zsh_line" "$zshrc" > "$zshrc.q-tmux.tmp" || true
        cat "$zshrc.q-tmux.tmp" > "$zshrc" && rm -f "$zshrc.q-tmux.tmp"
    fi
}

# Every tmux server that may have the plugin: those in the user's tmux socket
# folder (the default and each -L NAME), and those q-tmux sessions recorded.
tmux_sockets() {
    local sock
    for sock in "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)"/*; do
        [ -S "$sock" ] && printf '%s\n' "$sock"
    done
    [ -d "$state_dir/sessions" ] || return 0
    python3 - "$state_dir/sessions" <<'PY' 2>/dev/null || true
import json, os, sys
for name in os.listdir(sys.argv[1]):
    try:
        with open(os.path.join(sys.argv[1], name)) as entry:
            work_dir = json.load(entry)["work_dir"]
        with open(os.path.join(work_dir, ".amazonq", "session.json")) as record:
            socket = json.load(record)["tmux"]["socket"]
    except (OSError, ValueError, KeyError, TypeError):
        continue
    if isinstance(socket, str) and "\n" not in socket:
        print(socket)
PY
}

unload_from_running_tmux() {
    local sock loaded
    while read -r sock; do
        [ -S "$sock" ] && tmux -S "$sock" list-sessions >/dev/null 2>&1 || continue
        loaded="$(tmux -S "$sock" show-option -gqv @q-tmux-plugin 2>/dev/null || true)"
        # Also where it is not marked loaded: keys of an older load may remain.
        if tmux -S "$sock" run-shell "'$plugin' --unload" && [ -n "$loaded" ]; then
            say "took the plugin out of the tmux server at $sock"
        fi
    done < <(tmux_sockets | sort -u)
}

load_into_running_tmux() {
    # Only a server this user already runs: `tmux info` does not start one.
    if tmux info >/dev/null 2>&1; then
        tmux run-shell "$plugin" && say "loaded the plugin into the running tmux server"
    fi
}

do_install() {
    case "$repo_dir" in *"'"*) die "the checkout's path contains a single quote; move it elsewhere." ;; esac
    command -v tmux >/dev/null 2>&1 || say "warning: tmux is not installed; q-tmux needs tmux 3.2a or newer."
    command -v git >/dev/null 2>&1 || say "warning: git is not installed; q-tmux needs git 2.31 or newer."
    local method digest conf wanted
    method="$(pick_method)"
    digest="$(source_digest)"
    conf="$(tmux_conf)"
    wanted="$method $digest $repo_dir"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] && command -v "$bin_dir/q-tmux" >/dev/null 2>&1 \
       && { uses_tpm "$conf" || grep -qxF "$plugin_line" "$conf" 2>/dev/null; } && completion_installed; then
        say "already installed and up to date ($method); nothing changed."
        return
    fi
    say "installing the q-tmux command with $method..."
    install_program "$method"
    mkdir -p "$data_dir"
    printf '%s\n' "$wanted" > "$stamp"
    add_plugin_line "$conf"
    install_completion "$bin_dir/q-tmux"
    load_into_running_tmux
    say "installed: $("$bin_dir/q-tmux" --version)"
    case ":$PATH:" in
        *":$bin_dir:"*) ;;
        *) say "add $bin_dir to your PATH, e.g.: export PATH=\"$bin_dir:\$PATH\"" ;;
    esac
}

do_uninstall() {
    local method="" conf
    [ -f "$stamp" ] && method="$(cut -d' ' -f1 "$stamp")"
    # First, while the keys still point at a program that runs.
    unload_from_running_tmux
    uninstall_completion
    case "$method" in
        pipx) pipx uninstall q-tmux >/dev/null 2>&1 || true ;;
        uv) uv tool uninstall q-tmux >/dev/null 2>&1 || true ;;
    esac
    if [ -L "$bin_dir/q-tmux" ] && [ "$(readlink "$bin_dir/q-tmux")" = "$venv/bin/q-tmux" ]; then
        rm -f "$bin_dir/q-tmux"
    fi
    rm -rf "$venv"
    rm -f "$stamp"
    conf="$(tmux_conf)"
    if [ -f "$conf" ] && grep -qxF "$plugin_line" "$conf"; then
        grep -vxF "$plugin_line" "$conf" > "$conf.q-tmux.tmp" || true
        mv "$conf.q-tmux.tmp" "$conf"
        say "removed the plugin line from $conf"
        if [ -f "$data_dir/created-tmux-conf" ] && [ ! -s "$conf" ]; then rm -f "$conf"; fi
    fi
    rm -f "$data_dir/created-tmux-conf"
    rmdir "$data_dir" 2>/dev/null || true
    if uses_tpm "$conf"; then
        say "TPM: remove the q-tmux 'set -g @plugin' line from $conf, then press prefix + alt-u."
    fi
    say "uninstalled; your sessions, worktrees and branches were left as they are."
}

case "${1:-}" in
    "") do_install ;;
    --uninstall) do_uninstall ;;
    # The comment block under the shebang, and nothing after it.
    -h|--help) awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0" ;;
    *) die "unknown option '$1'; use --uninstall or --help." ;;
esac
