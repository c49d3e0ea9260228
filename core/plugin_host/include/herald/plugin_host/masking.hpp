// Secret masking for every text that leaves the host.
#ifndef HERALD_PLUGIN_HOST_MASKING_HPP
#define HERALD_PLUGIN_HOST_MASKING_HPP

#include <string>
#include <string_view>
#include <vector>

namespace herald::plugin_host {

inline constexpr std::string_view kMask = "*****";

// Replaces every occurrence of each non-empty secret in `text` with kMask.
// Longer secrets are replaced first, so a secret that contains another is
// masked whole.
std::string mask_secrets(std::string_view text, const std::vector<std::string>& secrets);

// Sorts secrets longest first and drops empty ones and duplicates, the order
// mask_secrets works best with.
std::vector<std::string> normalise_secrets(std::vector<std::string> secrets);

}  // namespace herald::plugin_host

#endif
