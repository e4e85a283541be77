#!/usr/bin/env bash
# Text captures of kftui's main screens on the demo cluster, at 80x24, for the
# README. Usage: scripts/capture-screens.sh [BINARY] > captures.txt
set -euo pipefail
bin="${1:-target/release/kftui}"
dir="$(mktemp -d)"
trap 'tmux -S "$dir/sock" kill-server 2>/dev/null || true; rm -rf "$dir"' EXIT
export HOME="$dir" XDG_CONFIG_HOME="$dir/config" XDG_STATE_HOME="$dir/state" XDG_DATA_HOME="${XDG_DATA_HOME:-$HOME/.local/share}" NO_COLOR=1
t() { tmux -S "$dir/sock" "$@"; }
t -f /dev/null new-session -d -x 80 -y 24 "$bin --demo"
wait_for() { for _ in $(seq 1 100); do t capture-pane -p | grep -q -- "$1" && return 0; sleep 0.1; done; echo "timed out waiting for $1" >&2; t capture-pane -p >&2; exit 1; }
shot() { echo "### $1"; echo; echo '```'; t capture-pane -p; echo '```'; echo; }
keys() { t send-keys "$@"; sleep 0.3; }
wait_for "jupyter-alice"; sleep 1
shot "Notebooks (:nb): the selected notebook's problem is spelled out under the table"
keys j; keys Enter; sleep 1
shot "Notebook details (enter)"
keys Escape; keys n; wait_for "New notebook"
shot "New notebook form (n)"
keys Escape; keys : n s Enter; wait_for "ml-research"; sleep 1
shot "Namespaces and profiles (:ns)"
keys : r u n s Enter; sleep 1.5
shot "Pipeline runs (:runs)"
keys : k a t i b Enter; sleep 1.5
shot "Katib experiments (:katib)"
keys : o n n x Enter; wait_for "iris_logreg"
keys Down Down Enter; wait_for "instances"; keys C-r; wait_for "predicted"
shot "ONNX pane (:onnx), iris logistic regression after ctrl-r"
keys Escape; keys '?'; sleep 0.5
shot "Help (?), generated from the keymap"
