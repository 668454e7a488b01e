#!/usr/bin/env bash
# Install q-tmux for this user: the `q-tmux` command in an isolated environment
# (pipx, else `uv tool`, else a venv under the XDG data dir linked into
# ~/.local/bin) and the tmux plugin. Running it again changes nothing;
# `./install.sh --uninstall` undoes it. Q_TMUX_INSTALL_METHOD=pipx|uv|venv
# picks the method.
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/q-tmux"
bin_dir="${XDG_BIN_HOME:-$HOME/.local/bin}"
stamp="$data_dir/install-stamp"
venv="$data_dir/venv"
plugin="$repo_dir/tmux/q-tmux.tmux"
plugin_line="run-shell '$plugin'"

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
       && { uses_tpm "$conf" || grep -qxF "$plugin_line" "$conf" 2>/dev/null; }; then
        say "already installed and up to date ($method); nothing changed."
        return
    fi
    say "installing the q-tmux command with $method..."
    install_program "$method"
    mkdir -p "$data_dir"
    printf '%s\n' "$wanted" > "$stamp"
    add_plugin_line "$conf"
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
    if tmux info >/dev/null 2>&1; then
        tmux set-option -gqu @q-tmux-plugin || true
        tmux set-option -gqu @q-tmux-bin || true
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
