// Keeps sdk.hpp warning-free under -Wall -Wextra -Werror -pedantic: a
// complete, minimal plugin built as an executable, whose entry must answer.
#include <herald/sdk.hpp>

#include <cstdio>

namespace {

class Nothing : public herald::sdk::Provider {
public:
    herald::sdk::Verdict step(herald::sdk::Step& step) const override {
        herald::sdk::JsonWriter json;
        json.begin_object().member("text", step.event().message()).end_object();
        return herald::sdk::Verdict::Done;
    }
};

std::unique_ptr<herald::sdk::Provider> make(size_t, const herald::sdk::Config&, herald::sdk::Diagnostics&) {
    return std::make_unique<Nothing>();
}

const herald_field_info kFields[] = {herald::sdk::field("address", HERALD_FIELD_URL, HERALD_FIELD_REQUIRED, "URL.")};
const herald_type_info kTypes[] = {herald::sdk::type("compile-check", "Compiles the SDK.", 0, kFields)};

const herald::sdk::PluginSpec& spec() {
    static const herald::sdk::PluginSpec s{"io.herald.test.sdk-compile", "sdk compile check", "0.0.0", "herald",
                                           "", "Apache-2.0", "", kTypes, 1, &make};
    return s;
}

}  // namespace

HERALD_PLUGIN(spec)

int main() {
    const herald_plugin* p = herald_plugin_entry_v1(HERALD_ABI_MINOR);
    if (!p || p->struct_size != sizeof(herald_plugin) || p->type_count != 1) return 1;
    if (herald::sdk::url_escape("a b") != "a%20b" || herald::sdk::base64("ab") != "YWI=") return 1;
    std::puts("sdk.hpp compiles cleanly");
    return 0;
}
