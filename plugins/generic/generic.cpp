// generic and generic-hmac: POST the event's canonical JSON to a webhook
// (reference/providers.md §3.1, §3.2). One step, no response parsing: the host
// judges the answer (any 2xx is success).
#include <herald/sdk.hpp>

#include <nlohmann/json.hpp>

#include <map>

namespace {

using herald::sdk::Config;
using herald::sdk::Diagnostics;
using herald::sdk::Request;
using herald::sdk::Step;
using herald::sdk::Verdict;

// The host hands the secret's `headers` (a YAML map in the Secret) to plugins
// normalised as a JSON object of strings.
std::optional<std::map<std::string, std::string>> parse_headers(std::string_view text, Diagnostics& diag) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        diag.error("secret.headers", "must be a map of header names to values");
        return std::nullopt;
    }
    std::map<std::string, std::string> out;
    for (auto& [k, v] : j.items()) {
        if (!v.is_string()) {
            diag.error("secret.headers", "value of header \"" + k + "\" must be a string");
            return std::nullopt;
        }
        out[k] = v.get<std::string>();
    }
    return out;
}

class Webhook final : public herald::sdk::Provider {
public:
    Webhook(std::string url, std::map<std::string, std::string> headers, std::optional<std::string> hmac_key)
        : url_(std::move(url)), headers_(std::move(headers)), hmac_key_(std::move(hmac_key)) {}

    Verdict step(Step& step) const override {
        const auto& event = step.event();
        Request r;
        r.method = "POST";
        r.url = url_;
        r.header("Content-Type", "application/json");
        r.header("Gotk-Component", std::string(event.reporting_controller()));
        // User headers come after Gotk-Component so they can override it (as Flux does).
        for (const auto& [name, value] : headers_) r.header(name, value, true);
        r.body = std::string(event.canonical_json());
        if (hmac_key_) r.header("X-Signature", "sha256=" + herald::sdk::hmac_sha256_hex(*hmac_key_, r.body));
        step.emit(r);
        return Verdict::Done;
    }

private:
    std::string url_;
    std::map<std::string, std::string> headers_;
    std::optional<std::string> hmac_key_;
};

constexpr size_t kGeneric = 0;
constexpr size_t kGenericHmac = 1;

std::unique_ptr<herald::sdk::Provider> make(size_t type_index, const Config& cfg, Diagnostics& diag) {
    if (cfg.address().empty()) {
        diag.error("spec.address", "a webhook address is required (spec.address or the secret's address)");
    } else if (!herald::sdk::parse_url(cfg.address())) {
        diag.error("spec.address", "invalid hook URL: must be an absolute http:// or https:// URL");
    }
    std::map<std::string, std::string> headers;
    if (auto text = cfg.secret("headers")) {
        if (auto parsed = parse_headers(*text, diag)) headers = std::move(*parsed);
    }
    std::optional<std::string> key;
    if (type_index == kGenericHmac) {
        auto token = cfg.secret("token");
        if (!token || token->empty()) {
            diag.error("secret.token", "HMAC key is empty: set `token` in the secret referenced by spec.secretRef");
        } else {
            key = std::string(*token);
        }
    }
    if (diag.errors() > 0) return nullptr;
    return std::make_unique<Webhook>(std::string(cfg.address()), std::move(headers), std::move(key));
}

using herald::sdk::field;
constexpr uint32_t kSecret = herald::sdk::kSecretField;

const herald_field_info generic_fields[] = {
    field("address", HERALD_FIELD_URL, HERALD_FIELD_REQUIRED, "Webhook URL the event is POSTed to (the secret's address wins)"),
    field("address", HERALD_FIELD_URL, kSecret, "Webhook URL kept in the secret; overrides spec.address"),
    field("headers", HERALD_FIELD_MAP, kSecret, "Extra HTTP headers, a YAML map of names to values"),
};
const herald_field_info hmac_fields[] = {
    field("address", HERALD_FIELD_URL, HERALD_FIELD_REQUIRED, "Webhook URL the event is POSTed to (the secret's address wins)"),
    field("address", HERALD_FIELD_URL, kSecret, "Webhook URL kept in the secret; overrides spec.address"),
    field("headers", HERALD_FIELD_MAP, kSecret, "Extra HTTP headers, a YAML map of names to values"),
    field("token", HERALD_FIELD_STRING, kSecret | HERALD_FIELD_REQUIRED, "HMAC-SHA-256 key; the signature goes in X-Signature"),
};
const herald_type_info types[] = {
    herald::sdk::type("generic", "POST the event as JSON to a webhook", HERALD_TYPE_FORWARDS_ALL, generic_fields),
    herald::sdk::type("generic-hmac", "POST the event as JSON with an HMAC-SHA-256 X-Signature header",
                      HERALD_TYPE_FORWARDS_ALL, hmac_fields),
};

const herald::sdk::PluginSpec& spec() {
    static const herald::sdk::PluginSpec s{
        "io.herald.provider.generic", "generic webhook", "1.0.0", "herald", "https://github.com/herald-dev/herald",
        "Apache-2.0", "Flux-compatible generic and generic-hmac webhooks", types, std::size(types), &make};
    return s;
}

}  // namespace

HERALD_PLUGIN(spec)
