#!/usr/bin/env bats
load helpers

setup() { cd "$BATS_TEST_TMPDIR"; }

@test "simulate gives the same cells for any thread count, and other cells for another seed" {
  # 5,000 cells: two blocks of generation, the second one shorter.
  for t in 1 2 3; do
    scldm simulate -n 5000 --genes 300 -@ "$t" -o "s$t.h5ad"
    scldm convert "s$t.h5ad" -o "s$t.tsv"
  done
  cmp s1.tsv s2.tsv
  cmp s1.tsv s3.tsv
  [ "$(wc -l < s1.tsv)" -eq 5001 ]
  scldm simulate -n 5000 --genes 300 --seed 1 -o other.h5ad
  scldm convert other.h5ad -o other.tsv
  ! cmp -s s1.tsv other.tsv
}
