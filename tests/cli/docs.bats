#!/usr/bin/env bats
load helpers

setup() { cd "$BATS_TEST_TMPDIR"; }

@test "committed man pages and completion match the option tables" {
  mkdir -p man completions scripts
  cp "$SCLDM_SOURCE_DIR/scripts/gen-docs.sh" scripts/
  SCLDM="$SCLDM" bash scripts/gen-docs.sh
  for f in man/*.1 completions/scldm.bash completions/_scldm completions/scldm.fish; do
    diff -u "$SCLDM_SOURCE_DIR/$f" "$f" || { echo "$f is stale: run scripts/gen-docs.sh"; false; }
  done
  [ "$(ls man/*.1 | wc -l)" -eq "$(ls "$SCLDM_SOURCE_DIR"/man/*.1 | wc -l)" ]
}

@test "every man page formats without groff warnings" {
  command -v groff >/dev/null || skip "groff is not installed"
  for f in "$SCLDM_SOURCE_DIR"/man/*.[157]; do
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

@test "completions parse, and offer every option --help lists" {
  bash -n "$SCLDM_SOURCE_DIR/completions/scldm.bash"
  if command -v zsh >/dev/null; then zsh -n "$SCLDM_SOURCE_DIR/completions/_scldm"; fi
  if command -v fish >/dev/null; then fish -n "$SCLDM_SOURCE_DIR/completions/scldm.fish"; fi
  for c in $(scldm --help | awk '/^     [a-z]/ { print $1 }'); do
    for opt in $(scldm "$c" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
      for f in scldm.bash _scldm scldm.fish; do
        case $f in
          scldm.fish) pattern="from $c' -l ${opt#--}( |$)" ;;
          *) pattern="${opt}" ;;
        esac
        grep -qE -- "$pattern" "$SCLDM_SOURCE_DIR/completions/$f" || { echo "$c $opt missing from $f"; false; }
      done
    done
  done
}

@test "completions offer the labels of the prior for sample --condition" {
  [ -x "$(dirname "$SCLDM")/scldm-model" ] || skip "built without LibTorch"
  make_fixtures
  scldm fit-vae "$FX/base.h5ad" --preset tiny --max-steps 1 -o vae.pt -q
  scldm encode "$FX/base.h5ad" --vae vae.pt -o x.lat
  scldm fit-prior x.lat --condition cell_type --preset tiny --max-steps 1 -o prior.pt -q
  [ "$(scldm help --labels prior.pt | paste -sd' ')" = "cell_type=B cell_type=NK cell_type=T" ]
  PATH="$(dirname "$SCLDM"):$PATH"
  source "$SCLDM_SOURCE_DIR/completions/scldm.bash"
  COMP_WORDS=(scldm sample --condition cell_type = ""); COMP_CWORD=5; _scldm
  [ "${COMPREPLY[*]}" = "B NK T" ]
  COMP_WORDS=(scldm sample --prior prior.pt --condition c); COMP_CWORD=5; _scldm
  [ "${COMPREPLY[*]}" = "cell_type=B cell_type=NK cell_type=T" ]
  if command -v fish >/dev/null; then
    run fish -c "source $SCLDM_SOURCE_DIR/completions/scldm.fish; complete -C 'scldm sample --condition '"
    [[ "$output" == *"cell_type=NK"* ]]
  fi
}

@test "every subcommand has a man page" {
  for c in $(scldm --help | awk '/^     [a-z]/ { print $1 }'); do
    [ -f "$SCLDM_SOURCE_DIR/man/scldm-$c.1" ] || { echo "no man page for $c"; false; }
  done
}
