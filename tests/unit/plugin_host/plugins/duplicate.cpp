// Serves "test-echo", which good.so (loaded first, by name) already serves.
#include <herald/sdk.hpp>

namespace {

std::unique_ptr<herald::sdk::Provider> make(size_t, const herald::sdk::Config&, herald::sdk::Diagnostics&) {
    return nullptr;
}

const herald_field_info kFields[] = {herald::sdk::field("address", HERALD_FIELD_URL, 0, "Where to send.")};
const herald_type_info kTypes[] = {herald::sdk::type("test-echo", "A second claim on test-echo.", 0, kFields)};

const herald::sdk::PluginSpec& spec() {
    static const herald::sdk::PluginSpec s{"io.herald.test.duplicate", "duplicate", "0.1.0", "herald tests", "",
                                           "Apache-2.0", "Claims a type another plugin serves.", kTypes, 1, &make};
    return s;
}

}  // namespace

HERALD_PLUGIN(spec)
