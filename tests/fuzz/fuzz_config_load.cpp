// Manifest loading: any bytes as a YAML manifest file give diagnostics (or a
// config), never a crash or an exception.
#include "fuzz_support.hpp"

#include <herald/config/config.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static herald::fuzz::ScratchDir dir;
    dir.reset_with("manifests.yaml", herald::fuzz::as_text(data, size));
    herald::config::LoadOptions options;
    options.config_dir = dir.path();
    auto result = herald::config::load(options);
    for (const auto& d : result.problems) (void)d.str();
    return 0;
}
