# bash completion for scldm. Generated from the option tables by
# 'scldm help --completion bash'; do not edit.
_scldm_files() {  # directories and files with one of the extensions ($1: a|b)
  local IFS=$'\n'
  if [ -n "$1" ]; then
    COMPREPLY=($(compgen -d -- "$cur"; compgen -f -X "!*.@($1)" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
_scldm_prior() {  # the prior on the line, else $SCLDM_PRIOR, else ./prior.pt
  local i
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [ "${COMP_WORDS[i]}" = --prior ]; then echo "${COMP_WORDS[i+1]}"; return; fi
  done
  echo "${SCLDM_PRIOR:-prior.pt}"
}
_scldm_labels() {  # KEY=VALUE labels of the prior; after "KEY=" (bash splits at '=') its values
  local IFS=$'\n' labels
  labels=$("${COMP_WORDS[0]}" help --labels "$(_scldm_prior)" 2>/dev/null) || return
  if [ "$prev" = "=" ]; then
    labels=$(printf '%s\n' $labels | sed -n "s/^${COMP_WORDS[COMP_CWORD-2]}=//p")
  fi
  COMPREPLY=($(compgen -W "$labels" -- "$cur"))
}
_scldm() {
  local cur prev cmd
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  cmd="${COMP_WORDS[1]}"
  shopt -s extglob
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "fit-vae fit-prior encode sample decode eval classify info convert simulate version help" -- "$cur"))
    return
  fi
  case "$cmd" in
    fit-vae)
      case "$prev" in
        --max-genes) return;;
        --genes) _scldm_files; return;;
        --encoder-genes) COMPREPLY=($(compgen -W "all shared" -- "$cur")); return;;
        --memory) return;;
        --beta) return;;
        --input) COMPREPLY=($(compgen -W "scale concat add" -- "$cur")); return;;
        --input-norm) COMPREPLY=($(compgen -W "none cp10k" -- "$cur")); return;;
        --embed-dim) return;;
        --latent-tokens) return;;
        --latent-dim) return;;
        --blocks) return;;
        --heads) return;;
        --cross-heads) return;;
        --preset) COMPREPLY=($(compgen -W "auto tiny small base" -- "$cur")); return;;
        --epochs) return;;
        --max-steps) return;;
        --time) return;;
        -b|--batch-size) return;;
        --lr) return;;
        --val-fraction) return;;
        --resume) _scldm_files 'pt'; return;;
        --checkpoint-every) return;;
        --log) _scldm_files; return;;
        --nproc) return;;
        --dist-backend) COMPREPLY=($(compgen -W "auto gloo nccl" -- "$cur")); return;;
        --master-addr) return;;
        --master-port) return;;
        --dist-timeout) return;;
        --layer) return;;
        --gene-column) return;;
        --where) return;;
        --source-label) return;;
        -o|--output) _scldm_files; return;;
        -@|--threads) return;;
        --seed) return;;
        --device) COMPREPLY=($(compgen -W "cpu cuda cuda:0" -- "$cur")); return;;
      esac
      if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "--max-genes --genes --encoder-genes --memory --beta --input --input-norm --embed-dim --latent-tokens --latent-dim --blocks --heads --cross-heads --preset --epochs --max-steps --time -b --batch-size --lr --val-fraction --resume --checkpoint-every --log --nproc --dist-backend --master-addr --master-port --dist-timeout --layer --raw --gene-column --allow-non-integer --where --source-label -o --output -@ --threads --seed --device -q --quiet -v --verbose -h --help " -- "$cur"))
      else
        _scldm_files 'h5ad|scs'
      fi
      ;;
    fit-prior)
      case "$prev" in
        --condition) return;;
        --strategy) COMPREPLY=($(compgen -W "joint additive" -- "$cur")); return;;
        --cfg-dropout) return;;
        --ema-decay) return;;
        --width) return;;
        --blocks) return;;
        --heads) return;;
        --vae) _scldm_files 'pt'; return;;
        --preset) COMPREPLY=($(compgen -W "auto tiny small base" -- "$cur")); return;;
        --epochs) return;;
        --max-steps) return;;
        --time) return;;
        -b|--batch-size) return;;
        --lr) return;;
        --val-fraction) return;;
        --resume) _scldm_files 'pt'; return;;
        --checkpoint-every) return;;
        --log) _scldm_files; return;;
        --nproc) return;;
        --dist-backend) COMPREPLY=($(compgen -W "auto gloo nccl" -- "$cur")); return;;
        --master-addr) return;;
        --master-port) return;;
        --dist-timeout) return;;
        --layer) return;;
        --gene-column) return;;
        --where) return;;
        --source-label) return;;
        -o|--output) _scldm_files; return;;
        -@|--threads) return;;
        --seed) return;;
        --device) COMPREPLY=($(compgen -W "cpu cuda cuda:0" -- "$cur")); return;;
      esac
      if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "--condition --strategy --cfg-dropout --ema-decay --width --blocks --heads --vae --preset --epochs --max-steps --time -b --batch-size --lr --val-fraction --resume --checkpoint-every --log --nproc --dist-backend --master-addr --master-port --dist-timeout --layer --raw --gene-column --allow-non-integer --where --source-label -o --output -@ --threads --seed --device -q --quiet -v --verbose -h --help " -- "$cur"))
      else
        _scldm_files 'h5ad|lat'
      fi
      ;;
    encode)
      case "$prev" in
        --vae) _scldm_files 'pt'; return;;
        --labels) return;;
        -b|--batch-size) return;;
        --layer) return;;
        --gene-column) return;;
        --where) return;;
        --source-label) return;;
        -o|--output) _scldm_files; return;;
        -@|--threads) return;;
        --seed) return;;
        --device) COMPREPLY=($(compgen -W "cpu cuda cuda:0" -- "$cur")); return;;
      esac
      if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "--vae --labels -b --batch-size --layer --raw --gene-column --allow-non-integer --where --source-label -o --output -@ --threads --seed --device -q --quiet -v --verbose -h --help " -- "$cur"))
      else
        _scldm_files 'h5ad|scs'
      fi
      ;;
    sample)
      if [ "$prev" = = ] && [ "${COMP_WORDS[COMP_CWORD-3]}" = --condition ]; then _scldm_labels; return; fi
      case "$prev" in
        --prior) _scldm_files 'pt'; return;;
        -n|--cells) return;;
        --condition) _scldm_labels; return;;
        --cfg) return;;
        --strategy) COMPREPLY=($(compgen -W "joint additive" -- "$cur")); return;;
        --like) _scldm_files 'h5ad'; return;;
        --conditions) _scldm_files 'tsv'; return;;
        --solver) COMPREPLY=($(compgen -W "euler heun dopri5" -- "$cur")); return;;
        --steps) return;;
        --atol) return;;
        --rtol) return;;
        -b|--batch-size) return;;
        -o|--output) _scldm_files; return;;
        -@|--threads) return;;
        --seed) return;;
        --device) COMPREPLY=($(compgen -W "cpu cuda cuda:0" -- "$cur")); return;;
      esac
      if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "--prior -n --cells --condition --cfg --strategy --like --conditions --solver --steps --atol --rtol -b --batch-size -o --output -@ --threads --seed --device -q --quiet -v --verbose -h --help " -- "$cur"))
      else
        _scldm_files
      fi
      ;;
    decode)
      case "$prev" in
        --vae) _scldm_files 'pt'; return;;
        --library-size) return;;
        --genes) return;;
        --like) _scldm_files 'h5ad|scs'; return;;
        -b|--batch-size) return;;
        -o|--output) _scldm_files; return;;
        -@|--threads) return;;
        --seed) return;;
        --device) COMPREPLY=($(compgen -W "cpu cuda cuda:0" -- "$cur")); return;;
      esac
      if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "--vae --mean --library-size --genes --like --force -b --batch-size -o --output -@ --threads --seed --device -q --quiet -v --verbose -h --help " -- "$cur"))
      else
        _scldm_files 'lat'
      fi
      ;;
    eval)
      case "$prev" in
        --real) _scldm_files 'h5ad|scs'; return;;
        --generated) _scldm_files 'h5ad|scs'; return;;
        --by) return;;
        --plot) _scldm_files 'svg'; return;;
        --hvg) return;;
        --components) return;;
        --max-cells) return;;
        --knn) return;;
        --w2) COMPREPLY=($(compgen -W "exact sinkhorn" -- "$cur")); return;;
        --vae) _scldm_files 'pt'; return;;
        --classifier) _scldm_files 'pt'; return;;
        --layer) return;;
        --gene-column) return;;
        --where) return;;
        -o|--output) _scldm_files; return;;
        -@|--threads) return;;
        --seed) return;;
        --device) COMPREPLY=($(compgen -W "cpu cuda cuda:0" -- "$cur")); return;;
      esac
      if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "--real --generated --by --json --plot --hvg --components --max-cells --knn --w2 --vae --classifier --layer --raw --gene-column --allow-non-integer --where -o --output -@ --threads --seed --device -q --quiet -v --verbose -h --help " -- "$cur"))
      else
        _scldm_files
      fi
      ;;
    classify)
      case "$prev" in
        --train) _scldm_files 'h5ad|lat|scs'; return;;
        --label) return;;
        --model) COMPREPLY=($(compgen -W "logreg mlp" -- "$cur")); return;;
        --vae) _scldm_files 'pt'; return;;
        --test-fraction) return;;
        --source-label) return;;
        -o|--output) _scldm_files; return;;
        -@|--threads) return;;
        --seed) return;;
        --device) COMPREPLY=($(compgen -W "cpu cuda cuda:0" -- "$cur")); return;;
      esac
      if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "--train --label --model --vae --test-fraction --json --source-label -o --output -@ --threads --seed --device -q --quiet -v --verbose -h --help " -- "$cur"))
      else
        _scldm_files 'h5ad|lat|scs'
      fi
      ;;
    info)
      case "$prev" in
        --layer) return;;
        --gene-column) return;;
        --where) return;;
        -o|--output) _scldm_files; return;;
        -@|--threads) return;;
        --seed) return;;
        --device) COMPREPLY=($(compgen -W "cpu cuda cuda:0" -- "$cur")); return;;
      esac
      if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "--json --layer --raw --gene-column --allow-non-integer --where -o --output -@ --threads --seed --device -q --quiet -v --verbose -h --help " -- "$cur"))
      else
        _scldm_files 'h5ad|lat|pt|scs'
      fi
      ;;
    convert)
      case "$prev" in
        -O|--output-format) COMPREPLY=($(compgen -W "h5ad stream mtx tsv" -- "$cur")); return;;
        --level) return;;
        --subsample) return;;
        --subsample-seed) return;;
        --layer) return;;
        --gene-column) return;;
        --where) return;;
        -o|--output) _scldm_files; return;;
        -@|--threads) return;;
        --seed) return;;
        --device) COMPREPLY=($(compgen -W "cpu cuda cuda:0" -- "$cur")); return;;
      esac
      if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "-O --output-format --level --subsample --subsample-seed --rest --layer --raw --gene-column --allow-non-integer --where -o --output -@ --threads --seed --device -q --quiet -v --verbose -h --help " -- "$cur"))
      else
        _scldm_files 'h5ad|lat|mtx|scs|tsv'
      fi
      ;;
    simulate)
      case "$prev" in
        -n|--cells) return;;
        --genes) return;;
        --cell-types) return;;
        --conditions) return;;
        --library-size) return;;
        --type-de) return;;
        --stim-de) return;;
        --bcv) return;;
        -o|--output) _scldm_files; return;;
        -@|--threads) return;;
        --seed) return;;
        --device) COMPREPLY=($(compgen -W "cpu cuda cuda:0" -- "$cur")); return;;
      esac
      if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "-n --cells --genes --cell-types --conditions --library-size --type-de --stim-de --bcv -o --output -@ --threads --seed --device -q --quiet -v --verbose -h --help " -- "$cur"))
      else
        _scldm_files
      fi
      ;;
    version)
      case "$prev" in
        -o|--output) _scldm_files; return;;
        -@|--threads) return;;
        --seed) return;;
        --device) COMPREPLY=($(compgen -W "cpu cuda cuda:0" -- "$cur")); return;;
      esac
      if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "-o --output -@ --threads --seed --device -q --quiet -v --verbose -h --help " -- "$cur"))
      else
        _scldm_files
      fi
      ;;
  esac
}
complete -o filenames -F _scldm scldm
