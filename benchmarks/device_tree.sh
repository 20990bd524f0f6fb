#!/bin/bash
# The working tree that travels to a device (GPU) machine must stay under 64 MiB; the tracked results/, the executed
# copies and the data are far over. `benchmarks/device_tree.sh trim` untracks them for the call (the index is backed up,
# .git/info/exclude keeps them out) and copies the data a long-tier run reads into .devdata/ (name it in the call's
# `carry`; on the device: MI_DATA_DIR=$PWD/.devdata). `benchmarks/device_tree.sh restore` puts the index back and
# removes both. Nothing in the working tree itself is touched but .devdata/.
#   DATA=/path/to/shared/data benchmarks/device_tree.sh trim   (default ../shared/data)
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
backup=.git/index.device-backup
exclude=.git/info/exclude
marker="# device_tree.sh"
case "${1:-}" in
trim)
    [ -e "$backup" ] && { echo "error: already trimmed ($backup exists); run restore first" >&2; exit 2; }
    data=${DATA:-../shared/data}
    [ -d "$data/fashion-mnist/raw" ] || { echo "error: DATA: no fashion-mnist/raw under $data" >&2; exit 2; }
    cp .git/index "$backup"
    git rm -r -q --cached results book/_static tests/notebooks
    mkdir -p .git/info
    printf '%s\n/results/\n/book/_static/\n/tests/notebooks/\n/.devdata/\n%s end\n' "$marker" "$marker" >> "$exclude"
    mkdir -p .devdata/fashion-mnist
    cp -r "$data/fashion-mnist/raw" .devdata/fashion-mnist/
    cp -r "$data/cifar10-jpeg" "$data/README.md" .devdata/
    size=$( (git ls-files; git ls-files -o --exclude-standard) | tr '\n' '\0' | du -cb --files0-from=- | tail -1 | cut -f1)
    echo "trimmed: tree $((size / 1048576)) MiB + .devdata $(du -sm .devdata | cut -f1) MiB (limit 64 MiB together)"
    ;;
restore)
    [ -e "$backup" ] || { echo "error: nothing to restore (no $backup)" >&2; exit 2; }
    mv "$backup" .git/index
    [ -e "$exclude" ] && sed -i "/^$marker\$/,/^$marker end\$/d" "$exclude"
    rm -rf .devdata
    echo "restored: $(git status --short | grep -vc '^??' || true) tracked changes (as before the trim)"
    ;;
*)
    echo "usage: benchmarks/device_tree.sh trim|restore" >&2
    exit 2
    ;;
esac
