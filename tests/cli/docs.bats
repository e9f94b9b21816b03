#!/usr/bin/env bats
load helpers

setup() { cd "$BATS_TEST_TMPDIR"; }

@test "committed man pages and completion match the option tables" {
  mkdir -p man completions scripts
  cp "$SCLDM_SOURCE_DIR/scripts/gen-docs.sh" scripts/
  SCLDM="$SCLDM" bash scripts/gen-docs.sh
  for f in man/*.1 completions/scldm.bash; do
    diff -u "$SCLDM_SOURCE_DIR/$f" "$f" || { echo "$f is stale: run scripts/gen-docs.sh"; false; }
  done
  [ "$(ls man/*.1 | wc -l)" -eq "$(ls "$SCLDM_SOURCE_DIR"/man/*.1 | wc -l)" ]
}

@test "every man page formats without groff warnings" {
  command -v groff >/dev/null || skip "groff is not installed"
  for f in "$SCLDM_SOURCE_DIR"/man/*.[15]; do
    run groff -man -ww -z "$f"
    [ -z "$output" ] || { echo "$f: $output"; false; }
  done
}

@test "bash completion offers subcommands and options" {
  source "$SCLDM_SOURCE_DIR/completions/scldm.bash"
  COMP_WORDS=(scldm con); COMP_CWORD=1; _scldm
  [ "${COMPREPLY[*]}" = "convert" ]
  COMP_WORDS=(scldm convert --out); COMP_CWORD=2; _scldm
  [[ " ${COMPREPLY[*]} " == *" --output "* && " ${COMPREPLY[*]} " == *" --output-format "* ]]
  COMP_WORDS=(scldm convert -O ""); COMP_CWORD=3; _scldm
  [ "${COMPREPLY[*]}" = "h5ad stream mtx tsv" ]
}

@test "every subcommand has a man page" {
  for c in $(scldm --help | awk '/^     [a-z]/ { print $1 }'); do
    [ -f "$SCLDM_SOURCE_DIR/man/scldm-$c.1" ] || { echo "no man page for $c"; false; }
  done
}
