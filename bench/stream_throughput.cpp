// Record-stream throughput: MB/s of uncompressed payload for writing and
// reading counts (cells of an h5ad file, repeated) and float32 latents, on
// one core, into and out of memory (a memfd), so the disk is not measured.
// Usage: bench_stream DATA.h5ad [REPEATS] [LEVEL]
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>

#include "io/h5ad_reader.hpp"
#include "io/stream.hpp"

using namespace scldm;
using Clock = std::chrono::steady_clock;

namespace {

double payload_bytes(const CellMetaBlock& b, size_t n_labels, size_t data_bytes) {
  double ids = 0;
  for (auto& id : b.ids) ids += 4 + double(id.size());
  return ids + double(b.size()) * (4.0 * double(n_labels) + 8) + double(data_bytes);
}

template <typename Block>
void run(const char* what, const StreamHeader& header, const std::vector<Block>& blocks, double payload, int level) {
  int fd = memfd_create("bench", 0);
  auto t0 = Clock::now();
  {
    StreamWriter w(fd, "memfd", header, level);
    for (auto& b : blocks) w.write(b);
    w.finish();
  }
  auto t1 = Clock::now();
  off_t size = lseek(fd, 0, SEEK_CUR);
  lseek(fd, 0, SEEK_SET);
  uint64_t records = 0;
  {
    StreamReader r(std::make_unique<ByteReader>(fd, "memfd"));
    Block b;
    while (r.next(b)) records += b.size();
  }
  auto t2 = Clock::now();
  double w = std::chrono::duration<double>(t1 - t0).count(), rd = std::chrono::duration<double>(t2 - t1).count();
  printf("%-8s level %3d  %9llu records  payload %7.1f MB  stream %7.1f MB (%.2fx)  write %6.0f MB/s  read %6.0f MB/s\n",
         what, level, (unsigned long long)records, payload / 1e6, double(size) / 1e6, payload / double(size),
         payload / w / 1e6, payload / rd / 1e6);
  close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_stream DATA.h5ad [REPEATS] [LEVEL]\n");
    return 2;
  }
  int repeats = argc > 2 ? atoi(argv[2]) : 10;
  int level = argc > 3 ? atoi(argv[3]) : 1;
  H5adReader reader(argv[1]);
  std::vector<CountBlock> blocks;
  CountBlock b;
  while (reader.next(b)) blocks.push_back(b);
  std::vector<CountBlock> counts;
  double payload = 0;
  for (int r = 0; r < repeats; ++r)
    for (auto& blk : blocks) {
      counts.push_back(blk);
      payload += payload_bytes(blk, reader.schema().labels.size(), 4 * (blk.indptr.size() - 1) + 8 * blk.genes.size());
    }
  StreamHeader ch;
  ch.genes = reader.schema().genes;
  ch.labels = reader.schema().labels;
  run("counts", ch, counts, payload, level);

  // Latents of the same cells: 16 x 16 float32, Gaussian like a trained encoder's.
  StreamHeader lh;
  lh.kind = StreamHeader::Kind::latent;
  lh.tokens = 16;
  lh.dim = 16;
  lh.labels = ch.labels;
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  std::vector<LatentBlock> latents;
  double lpayload = 0;
  for (auto& blk : counts) {
    LatentBlock l;
    static_cast<CellMetaBlock&>(l) = blk;
    l.values.resize(blk.size() * 256);
    for (auto& v : l.values) v = normal(rng);
    lpayload += payload_bytes(l, lh.labels.size(), 4 * l.values.size());
    latents.push_back(std::move(l));
  }
  run("latent", lh, latents, lpayload, level);
  return 0;
}
