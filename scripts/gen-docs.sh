#!/usr/bin/env bash
# Regenerates man/scldm*.1 and the bash, zsh and fish completions from the
# option tables. tests/cli/docs.bats fails when the committed files differ.
set -euo pipefail
cd "$(dirname "$0")/.."
scldm=${SCLDM:-build/scldm}
"$scldm" help --man > man/scldm.1
for c in $("$scldm" --help | awk '/^     [a-z]/ { print $1 }'); do
  "$scldm" help --man "$c" > "man/scldm-$c.1"
done
"$scldm" help --completion bash > completions/scldm.bash
"$scldm" help --completion zsh > completions/_scldm
"$scldm" help --completion fish > completions/scldm.fish
