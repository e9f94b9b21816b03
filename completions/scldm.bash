# bash completion for scldm. Generated from the option tables by
# 'scldm help --completion bash'; do not edit.
_scldm() {
  local cur prev cmd
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  cmd="${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "fit-vae fit-prior encode sample decode eval classify info convert version help" -- "$cur"))
    return
  fi
  case "$cmd" in
    fit-vae)
      case "$prev" in
        --max-genes) return;;
        --beta) return;;
        --input) COMPREPLY=($(compgen -W "scale concat" -- "$cur")); return;;
        --embed-dim) return;;
        --latent-tokens) return;;
        --latent-dim) return;;
        --blocks) return;;
        --heads) return;;
        --cross-heads) return;;
        --preset) COMPREPLY=($(compgen -W "tiny small base" -- "$cur")); return;;
        --epochs) return;;
        --max-steps) return;;
        -b|--batch-size) return;;
        --lr) return;;
        --val-fraction) return;;
        --resume) COMPREPLY=($(compgen -f -- "$cur")); return;;
        --checkpoint-every) return;;
        --log) COMPREPLY=($(compgen -f -- "$cur")); return;;
        --layer) return;;
        --gene-column) return;;
        --where) return;;
        -o|--output) COMPREPLY=($(compgen -f -- "$cur")); return;;
        -@|--threads) return;;
        --seed) return;;
        --device) COMPREPLY=($(compgen -W "cpu cuda cuda:0" -- "$cur")); return;;
      esac
      if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "--max-genes --beta --input --embed-dim --latent-tokens --latent-dim --blocks --heads --cross-heads --preset --epochs --max-steps -b --batch-size --lr --val-fraction --resume --checkpoint-every --log --layer --raw --gene-column --allow-non-integer --where -o --output -@ --threads --seed --device -q --quiet -v --verbose -h --help " -- "$cur"))
      else
        COMPREPLY=($(compgen -f -- "$cur"))
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
        --vae) COMPREPLY=($(compgen -f -- "$cur")); return;;
        --preset) COMPREPLY=($(compgen -W "tiny small base" -- "$cur")); return;;
        --epochs) return;;
        --max-steps) return;;
        -b|--batch-size) return;;
        --lr) return;;
        --val-fraction) return;;
        --resume) COMPREPLY=($(compgen -f -- "$cur")); return;;
        --checkpoint-every) return;;
        --log) COMPREPLY=($(compgen -f -- "$cur")); return;;
        --layer) return;;
        --gene-column) return;;
        --where) return;;
        -o|--output) COMPREPLY=($(compgen -f -- "$cur")); return;;
        -@|--threads) return;;
        --seed) return;;
        --device) COMPREPLY=($(compgen -W "cpu cuda cuda:0" -- "$cur")); return;;
      esac
      if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "--condition --strategy --cfg-dropout --ema-decay --width --blocks --heads --vae --preset --epochs --max-steps -b --batch-size --lr --val-fraction --resume --checkpoint-every --log --layer --raw --gene-column --allow-non-integer --where -o --output -@ --threads --seed --device -q --quiet -v --verbose -h --help " -- "$cur"))
      else
        COMPREPLY=($(compgen -f -- "$cur"))
      fi
      ;;
    encode)
      case "$prev" in
        --vae) COMPREPLY=($(compgen -f -- "$cur")); return;;
        --labels) return;;
        -b|--batch-size) return;;
        --layer) return;;
        --gene-column) return;;
        --where) return;;
        -o|--output) COMPREPLY=($(compgen -f -- "$cur")); return;;
        -@|--threads) return;;
        --seed) return;;
        --device) COMPREPLY=($(compgen -W "cpu cuda cuda:0" -- "$cur")); return;;
      esac
      if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "--vae --labels -b --batch-size --layer --raw --gene-column --allow-non-integer --where -o --output -@ --threads --seed --device -q --quiet -v --verbose -h --help " -- "$cur"))
      else
        COMPREPLY=($(compgen -f -- "$cur"))
      fi
      ;;
    sample)
      case "$prev" in
        --prior) COMPREPLY=($(compgen -f -- "$cur")); return;;
        -n|--cells) return;;
        --condition) return;;
        --cfg) return;;
        --strategy) COMPREPLY=($(compgen -W "joint additive" -- "$cur")); return;;
        --like) COMPREPLY=($(compgen -f -- "$cur")); return;;
        --conditions) COMPREPLY=($(compgen -f -- "$cur")); return;;
        --solver) COMPREPLY=($(compgen -W "euler heun dopri5" -- "$cur")); return;;
        --steps) return;;
        --atol) return;;
        --rtol) return;;
        -b|--batch-size) return;;
        -o|--output) COMPREPLY=($(compgen -f -- "$cur")); return;;
        -@|--threads) return;;
        --seed) return;;
        --device) COMPREPLY=($(compgen -W "cpu cuda cuda:0" -- "$cur")); return;;
      esac
      if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "--prior -n --cells --condition --cfg --strategy --like --conditions --solver --steps --atol --rtol -b --batch-size -o --output -@ --threads --seed --device -q --quiet -v --verbose -h --help " -- "$cur"))
      else
        COMPREPLY=($(compgen -f -- "$cur"))
      fi
      ;;
    decode)
      case "$prev" in
        --vae) COMPREPLY=($(compgen -f -- "$cur")); return;;
        --library-size) return;;
        --genes) return;;
        -b|--batch-size) return;;
        -o|--output) COMPREPLY=($(compgen -f -- "$cur")); return;;
        -@|--threads) return;;
        --seed) return;;
        --device) COMPREPLY=($(compgen -W "cpu cuda cuda:0" -- "$cur")); return;;
      esac
      if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "--vae --mean --library-size --genes --force -b --batch-size -o --output -@ --threads --seed --device -q --quiet -v --verbose -h --help " -- "$cur"))
      else
        COMPREPLY=($(compgen -f -- "$cur"))
      fi
      ;;
    eval)
      case "$prev" in
        --real) COMPREPLY=($(compgen -f -- "$cur")); return;;
        --generated) COMPREPLY=($(compgen -f -- "$cur")); return;;
        --by) return;;
        --plot) COMPREPLY=($(compgen -f -- "$cur")); return;;
        --hvg) return;;
        --components) return;;
        --max-cells) return;;
        --knn) return;;
        --w2) COMPREPLY=($(compgen -W "exact sinkhorn" -- "$cur")); return;;
        --vae) COMPREPLY=($(compgen -f -- "$cur")); return;;
        --classifier) COMPREPLY=($(compgen -f -- "$cur")); return;;
        --layer) return;;
        --gene-column) return;;
        --where) return;;
        -o|--output) COMPREPLY=($(compgen -f -- "$cur")); return;;
        -@|--threads) return;;
        --seed) return;;
        --device) COMPREPLY=($(compgen -W "cpu cuda cuda:0" -- "$cur")); return;;
      esac
      if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "--real --generated --by --json --plot --hvg --components --max-cells --knn --w2 --vae --classifier --layer --raw --gene-column --allow-non-integer --where -o --output -@ --threads --seed --device -q --quiet -v --verbose -h --help " -- "$cur"))
      else
        COMPREPLY=($(compgen -f -- "$cur"))
      fi
      ;;
    classify)
      case "$prev" in
        --train) COMPREPLY=($(compgen -f -- "$cur")); return;;
        --label) return;;
        --model) return;;
        --vae) COMPREPLY=($(compgen -f -- "$cur")); return;;
        --test-fraction) return;;
        -o|--output) COMPREPLY=($(compgen -f -- "$cur")); return;;
        -@|--threads) return;;
        --seed) return;;
        --device) COMPREPLY=($(compgen -W "cpu cuda cuda:0" -- "$cur")); return;;
      esac
      if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "--train --label --model --vae --test-fraction --json -o --output -@ --threads --seed --device -q --quiet -v --verbose -h --help " -- "$cur"))
      else
        COMPREPLY=($(compgen -f -- "$cur"))
      fi
      ;;
    info)
      case "$prev" in
        --layer) return;;
        --gene-column) return;;
        --where) return;;
        -o|--output) COMPREPLY=($(compgen -f -- "$cur")); return;;
        -@|--threads) return;;
        --seed) return;;
        --device) COMPREPLY=($(compgen -W "cpu cuda cuda:0" -- "$cur")); return;;
      esac
      if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "--json --layer --raw --gene-column --allow-non-integer --where -o --output -@ --threads --seed --device -q --quiet -v --verbose -h --help " -- "$cur"))
      else
        COMPREPLY=($(compgen -f -- "$cur"))
      fi
      ;;
    convert)
      case "$prev" in
        -O|--output-format) COMPREPLY=($(compgen -W "h5ad stream mtx tsv" -- "$cur")); return;;
        --level) return;;
        --layer) return;;
        --gene-column) return;;
        --where) return;;
        -o|--output) COMPREPLY=($(compgen -f -- "$cur")); return;;
        -@|--threads) return;;
        --seed) return;;
        --device) COMPREPLY=($(compgen -W "cpu cuda cuda:0" -- "$cur")); return;;
      esac
      if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "-O --output-format --level --layer --raw --gene-column --allow-non-integer --where -o --output -@ --threads --seed --device -q --quiet -v --verbose -h --help " -- "$cur"))
      else
        COMPREPLY=($(compgen -f -- "$cur"))
      fi
      ;;
    version)
      case "$prev" in
        -o|--output) COMPREPLY=($(compgen -f -- "$cur")); return;;
        -@|--threads) return;;
        --seed) return;;
        --device) COMPREPLY=($(compgen -W "cpu cuda cuda:0" -- "$cur")); return;;
      esac
      if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "-o --output -@ --threads --seed --device -q --quiet -v --verbose -h --help " -- "$cur"))
      else
        COMPREPLY=($(compgen -f -- "$cur"))
      fi
      ;;
  esac
}
complete -o filenames -F _scldm scldm
