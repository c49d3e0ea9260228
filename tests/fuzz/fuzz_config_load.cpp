// Manifest loading: any bytes as a YAML manifest file give diagnostics (or a
// config), never a crash or an exception. The bytes are handed over as the
// text of one file (LoadOptions::manifest_texts): the same parsing and
// validation as a file under --config, without a file system round trip per
// input.
#include "fuzz_support.hpp"

#include <herald/config/config.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    herald::config::LoadOptions options;
    options.manifest_texts.emplace_back("manifests.yaml", herald::fuzz::as_text(data, size));
    auto result = herald::config::load(options);
    for (const auto& d : result.problems) (void)d.str();
    return 0;
}
