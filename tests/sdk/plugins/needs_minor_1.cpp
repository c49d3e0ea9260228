// Needs host ABI minor 1 (PluginSpec::min_host_minor): a 1.0 host gets NULL
// from the entry and must refuse the file with a clear reason.
#include <herald/sdk.hpp>

#include <iterator>

namespace {

std::unique_ptr<herald::sdk::Provider> make(size_t, const herald::sdk::Config&, herald::sdk::Diagnostics&) {
    return nullptr;
}

const herald_field_info kFields[] = {herald::sdk::field("address", HERALD_FIELD_URL, 0, "Where to send.")};
const herald_type_info kTypes[] = {herald::sdk::type("compat-needs-minor-1", "Needs herald ABI 1.1.", 0, kFields)};

const herald::sdk::PluginSpec& spec() {
    static const herald::sdk::PluginSpec s{"io.herald.test.needs-minor-1", "needs 1.1", "0.1.0", "herald tests",
                                           "", "Apache-2.0", "Requires host ABI minor 1.", kTypes,
                                           std::size(kTypes), &make, 1};
    return s;
}

}  // namespace

HERALD_PLUGIN(spec)
