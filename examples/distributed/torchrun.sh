#!/usr/bin/env bash
# Data-parallel training launched by PyTorch's torchrun (pip's torch, or any
# launcher that sets RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT).
# --no-python runs scldm itself, not a Python script.
#   One machine, 8 GPUs:  bash torchrun.sh train.h5ad 8
#   Two machines:         NNODES=2 NODE_RANK=0|1 MASTER=host0 bash torchrun.sh train.h5ad 8
set -euo pipefail
data=$1
per_node=${2:-8}
torchrun --nnodes "${NNODES:-1}" --node-rank "${NODE_RANK:-0}" --nproc-per-node "$per_node" \
  --master-addr "${MASTER:-127.0.0.1}" --master-port "${PORT:-29500}" --no-python \
  scldm fit-vae "$data" --device cuda --batch-size $((128 * per_node * ${NNODES:-1})) --lr 1e-3 \
  --epochs 100 --log vae.log.tsv -o vae.pt
# Each rank takes GPU LOCAL_RANK; --batch-size is the global batch (here 128
# per GPU). Only rank 0 writes vae.pt, vae.last.pt and the log.
