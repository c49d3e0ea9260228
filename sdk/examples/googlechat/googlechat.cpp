// googlechat: a provider plugin built out of tree against the installed SDK.
//
// Posts Flux's Google Chat message (reference/providers.md §3.14): the legacy
// Cards v1 shape with the object label as title, the reporting controller as
// subtitle, the message as a text paragraph (red for errors) and one key/value
// widget per metadata entry. One step; the host sends the request, applies the
// Provider's proxy and timeout, and judges the answer (2xx ok, 429/5xx retry).
#include <herald/sdk.hpp>

#include <iterator>
#include <memory>
#include <string>

namespace {

using herald::sdk::Config;
using herald::sdk::Diagnostics;
using herald::sdk::Event;
using herald::sdk::JsonWriter;
using herald::sdk::Step;
using herald::sdk::Verdict;

// "kustomization/apps.flux-system": lowercase kind, name, namespace.
std::string object_label(const Event& event) {
    return herald::sdk::to_lower(event.kind()) + "/" + std::string(event.name()) + "." + std::string(event.ns());
}

// Errors are shown in red; JsonWriter escapes < and > as \u003c \u003e like Go.
std::string message_text(const Event& event) {
    if (!event.is_error()) return std::string(event.message());
    return "<font color=\"#ff0000\">" + std::string(event.message()) + "</font>";
}

// The Cards v1 body. Member order and the explicit nulls are Flux's (Go
// struct order, no omitempty); metadata comes sorted by key from the host.
std::string card(const Event& event) {
    JsonWriter w;
    w.begin_object().key("cards").begin_array().begin_object();
    w.key("header").begin_object();
    w.member("title", object_label(event)).member("subtitle", event.reporting_controller());
    w.key("imageUrl").null().key("imageStyle").null();
    w.end_object();
    w.key("sections").begin_array();
    w.begin_object().member("header", "").key("widgets").begin_array();
    w.begin_object().key("textParagraph").begin_object().member("text", message_text(event)).end_object();
    w.key("keyValue").null().end_object();
    w.end_array().end_object();
    auto metadata = event.metadata();
    if (!metadata.empty()) {
        w.begin_object().member("header", "").key("widgets").begin_array();
        for (const auto& [key, value] : metadata) {
            w.begin_object().key("textParagraph").null().key("keyValue").begin_object();
            w.member("topLabel", key).member("content", value).member("contentMultiline", false);
            w.key("bottomLabel").null().key("icon").null();
            w.end_object().end_object();
        }
        w.end_array().end_object();
    }
    w.end_array();
    w.end_object().end_array().end_object();
    return w.take();
}

class GoogleChat final : public herald::sdk::Provider {
public:
    explicit GoogleChat(std::string url) : url_(std::move(url)) {}

    Verdict step(Step& step) const override {
        // Flux never sends commit-status updates to chat; herald filters them
        // too, checking again keeps the plugin right under any host.
        auto status = step.event().metadata("commit_status");
        if (status && *status == "update") return Verdict::Skip;
        herald::sdk::Request r;
        r.url = url_;
        r.header("Content-Type", "application/json");
        r.body = card(step.event());
        step.emit(r);
        return Verdict::Done;
    }

private:
    std::string url_;
};

// The address (spec.address, or the secret's `address`, resolved by the host)
// is the webhook URL with its key and token. It is a credential, so it is
// never echoed in a diagnostic.
std::unique_ptr<herald::sdk::Provider> make(size_t, const Config& config, Diagnostics& diag) {
    if (config.address().empty()) {
        diag.error("spec.address", "a Google Chat webhook address is required (spec.address or the secret's address)");
        return nullptr;
    }
    if (!herald::sdk::parse_url(config.address())) {
        diag.error("spec.address", "invalid Google Chat hook URL: must be an absolute http:// or https:// URL");
        return nullptr;
    }
    return std::make_unique<GoogleChat>(std::string(config.address()));
}

using herald::sdk::field;

const herald_field_info kFields[] = {
    field("address", HERALD_FIELD_URL, HERALD_FIELD_REQUIRED,
          "Google Chat incoming-webhook URL including its key and token (the secret's address wins)"),
    field("address", HERALD_FIELD_URL, herald::sdk::kSecretField,
          "Webhook URL kept in the secret; overrides spec.address"),
};
const herald_type_info kTypes[] = {
    herald::sdk::type("googlechat", "Post a card to a Google Chat space through an incoming webhook", 0, kFields),
};

const herald::sdk::PluginSpec& spec() {
    static const herald::sdk::PluginSpec s{
        "io.herald.example.googlechat", "Google Chat (SDK example)", "1.0.0", "herald SDK examples",
        "https://github.com/herald-dev/herald/tree/main/sdk/examples/googlechat", "Apache-2.0",
        "Flux-compatible Google Chat notifications, built out of tree against the installed HeraldSDK",
        kTypes, std::size(kTypes), &make};
    return s;
}

}  // namespace

HERALD_PLUGIN(spec)
