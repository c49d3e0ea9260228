// Needs a host minor this herald does not have: the entry returns NULL.
#include <herald/sdk.hpp>

namespace {

std::unique_ptr<herald::sdk::Provider> make(size_t, const herald::sdk::Config&, herald::sdk::Diagnostics&) {
    return nullptr;
}

const herald_field_info kFields[] = {herald::sdk::field("address", HERALD_FIELD_URL, 0, "Where to send.")};
const herald_type_info kTypes[] = {herald::sdk::type("test-future", "Needs a future herald.", 0, kFields)};

const herald::sdk::PluginSpec& spec() {
    static const herald::sdk::PluginSpec s{"io.herald.test.future", "future", "0.1.0", "herald tests", "", "Apache-2.0",
                                           "Requires host ABI minor 99.", kTypes, 1, &make, 99};
    return s;
}

}  // namespace

HERALD_PLUGIN(spec)
