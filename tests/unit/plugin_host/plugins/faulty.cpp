// Steps that misbehave: one throws (the SDK turns it into INTERNAL), one
// returns a verdict no ABI version defines.
#include <herald/sdk.hpp>

#include <stdexcept>

namespace {

using herald::sdk::Verdict;

class Thrower : public herald::sdk::Provider {
public:
    Verdict step(herald::sdk::Step&) const override { throw std::runtime_error("boom"); }
};

class Verdict77 : public herald::sdk::Provider {
public:
    Verdict step(herald::sdk::Step&) const override { return static_cast<Verdict>(77); }
};

std::unique_ptr<herald::sdk::Provider> make(size_t type_index, const herald::sdk::Config&, herald::sdk::Diagnostics&) {
    if (type_index == 0) return std::make_unique<Thrower>();
    return std::make_unique<Verdict77>();
}

const herald_field_info kFields[] = {herald::sdk::field("address", HERALD_FIELD_URL, 0, "Unused.")};
const herald_type_info kTypes[] = {
    herald::sdk::type("test-throw", "step throws.", 0, kFields),
    herald::sdk::type("test-verdict-77", "step returns 77.", 0, kFields),
};

const herald::sdk::PluginSpec& spec() {
    static const herald::sdk::PluginSpec s{"io.herald.test.faulty", "faulty", "0.1.0", "herald tests", "", "Apache-2.0",
                                           "Misbehaving steps.", kTypes, 2, &make};
    return s;
}

}  // namespace

HERALD_PLUGIN(spec)
