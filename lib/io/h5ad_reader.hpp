// Streaming reader of counts from an .h5ad file: X, layers/<key> or raw/X,
// stored as CSR, CSC or dense, with float or integer values. Memory is
// bounded by the block for CSR and dense; CSC is transposed in memory once
// (O(nnz)), since its cells are spread over the whole file.
//
// Corrupt files are errors naming the file, never out-of-bounds reads:
// every array is checked against the matrix shape (and the shape against
// the dataset extents, and those against the file size) before it is read;
// gene names must be distinct and non-empty; strings NUL-free UTF-8. The
// constructors and next() run under h5::reading(): a crash inside libhdf5
// is reported as a corrupt file, std::bad_alloc as an error naming it.
#pragma once
#include <memory>
#include <string>

#include "io/cells.hpp"
#include "io/h5ad_frame.hpp"
#include "io/hdf5.hpp"

namespace scldm {

struct H5adOptions {
  std::string layer;        // read layers/<layer> instead of X
  bool use_raw = false;     // read raw/X (genes from raw/var)
  std::string gene_column;  // var column with gene names instead of the index
  bool allow_non_integer = false;  // round instead of failing
  size_t block_cells = 2048;
  std::string display_name;  // name used in messages (the user's '-' for a spooled stdin)
};

struct MatrixInfo {
  std::string location;  // "X", "layers/counts", "raw/X"
  std::string encoding;  // "csr", "csc", "dense"
  std::string dtype;     // of the stored values
  uint64_t n_cells = 0, n_genes = 0, stored = 0;  // stored: non-zeros (sparse) or n*g
};

class H5adReader : public CountSource {
 public:
  H5adReader(std::string path, H5adOptions options = {});
  // Reads an HDF5 file already open (e.g. h5::open_file_image), shown in
  // messages as `display_name`.
  H5adReader(h5::Handle file, std::string display_name, H5adOptions options = {});
  ~H5adReader() override;
  const CountSchema& schema() const override { return schema_; }
  bool next(CountBlock& block) override;
  const std::string& path() const override { return path_; }
  // Cells [begin, end) into `block` (replaced), wherever next() is.
  void read_range(uint64_t begin, uint64_t end, CountBlock& block);

  const MatrixInfo& matrix() const { return matrix_; }
  const FrameReader& obs() const { return *obs_; }
  const FrameReader& var() const { return *var_; }
  hid_t file() const { return file_; }
  uint64_t all_zero_cells() const { return all_zero_; }

 private:
  void init();
  void open_matrix(const std::string& location);
  void check_names();
  void read_labels();
  void load_csc();
  void read_rows(uint64_t begin, uint64_t end, CountBlock& block);
  void append_cell(CountBlock& block, uint64_t cell, const int64_t* genes, const double* values, size_t n);

  std::string path_;
  H5adOptions opt_;
  h5::Handle file_;
  CountSchema schema_;
  MatrixInfo matrix_;
  std::unique_ptr<FrameReader> obs_, var_;
  std::vector<std::string> obs_names_;
  std::vector<std::vector<int32_t>> codes_;  // [column][cell]
  h5::Handle data_, indices_, dense_;
  std::vector<int64_t> indptr_;
  // CSC transposed to CSR (only for CSC input).
  std::vector<int64_t> csc_indices_;
  std::vector<double> csc_values_;
  uint64_t next_cell_ = 0, all_zero_ = 0;
  std::vector<std::pair<int64_t, double>> row_scratch_;
  std::string counts_hint_;
};

}  // namespace scldm
