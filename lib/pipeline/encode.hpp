// `scldm encode`'s outputs: a latent stream, or a copy of the input h5ad
// with the latents added as obsm/X_scldm.
#pragma once
#include <string>

#include "model/infer.hpp"

namespace scldm {

// Both read the cells in chunks as they encode: memory does not grow with the cells.
void encode_to_stream(LoadedVae& vae, CellReader& cells, const std::string& output, const EncodeOptions& opt);
// Copies the input h5ad and adds obsm/X_scldm (cells x m*D float32).
void encode_into_h5ad_copy(LoadedVae& vae, CellReader& cells, const std::string& input, const std::string& output,
                           const EncodeOptions& opt);

}  // namespace scldm
