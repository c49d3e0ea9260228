// msteams: a Microsoft Teams message (reference/providers.md §3.6). Legacy
// Office 365 connector URLs (*.webhook.office.com) get a MessageCard; every
// other URL (Power Automate "Workflows", ...) gets an Adaptive Card 1.4 wrapped
// in a message. One step; the host judges the answer.
#include "chat_message.hpp"

#include <herald/sdk.hpp>

#include <iterator>
#include <utility>
#include <vector>

namespace {

using herald::sdk::Config;
using herald::sdk::Diagnostics;
using herald::sdk::Event;
using herald::sdk::JsonWriter;
using herald::sdk::Step;
using herald::sdk::Verdict;

// Teams refuses webhook payloads above 28 KB; we keep the whole body within
// 28,000 bytes by shortening the message.
constexpr size_t kPayloadLimit = 28000;

// §3.6: the connector is recognised by the host name alone (port ignored);
// "xxx-webhook.office.com" does not count. Host names compare without case.
bool is_connector(const herald::sdk::Url& url) {
    return herald::sdk::ends_with(herald::sdk::to_lower(url.host), ".webhook.office.com");
}

// O365 connector card; facts in the host's (sorted) metadata order.
std::string message_card(const Event& event, std::string_view message) {
    const std::string label = herald::chat::object_label(event);
    JsonWriter w;
    w.begin_object();
    w.member("@type", "MessageCard").member("@context", "http://schema.org/extensions");
    w.member("themeColor", herald::chat::kTeamsCardColors.of(event));
    w.member("summary", label);
    w.key("sections").begin_array().begin_object();
    w.member("activityTitle", message).member("activitySubtitle", label);
    w.key("facts").begin_array();
    for (const auto& [key, value] : event.metadata())
        w.begin_object().member("name", key).member("value", value).end_object();
    w.end_array();
    w.end_object().end_array();
    w.end_object();
    return w.take();
}

// `summary` first, then the other keys in the host's (sorted) order.
std::vector<std::pair<std::string_view, std::string_view>> facts_summary_first(const Event& event) {
    auto entries = event.metadata();
    std::vector<std::pair<std::string_view, std::string_view>> out;
    out.reserve(entries.size());
    for (const auto& e : entries)
        if (e.first == "summary") out.push_back(e);
    for (const auto& e : entries)
        if (e.first != "summary") out.push_back(e);
    return out;
}

// A TextBlock with Go's omitempty rules: empty strings and `wrap:false` left out.
void text_block(JsonWriter& w, std::string_view text, std::string_view size, std::string_view weight,
                std::string_view color) {
    w.begin_object().member("type", "TextBlock");
    if (!text.empty()) w.member("text", text);
    if (!size.empty()) w.member("size", size);
    if (!weight.empty()) w.member("weight", weight);
    if (!color.empty()) w.member("color", color);
    w.member("wrap", true);
    w.end_object();
}

// Adaptive Card 1.4 in a "message" envelope (Workflows webhooks).
std::string adaptive_card(const Event& event, std::string_view message) {
    JsonWriter w;
    w.begin_object().member("type", "message");
    w.key("attachments").begin_array().begin_object();
    w.member("contentType", "application/vnd.microsoft.card.adaptive");
    w.key("content").begin_object();
    w.member("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
    w.member("type", "AdaptiveCard").member("version", "1.4");
    w.key("body").begin_array().begin_object().member("type", "Container");
    w.key("items").begin_array();
    text_block(w, herald::chat::object_label(event), "large", "bolder", "");
    text_block(w, message, "", "", event.is_error() ? "attention" : "");
    w.begin_object().member("type", "FactSet");
    auto facts = facts_summary_first(event);
    if (!facts.empty()) {
        w.key("facts").begin_array();
        for (const auto& [key, value] : facts) w.begin_object().member("title", key).member("value", value).end_object();
        w.end_array();
    }
    w.end_object();
    w.end_array().end_object().end_array();
    w.key("msteams").begin_object().member("width", "Full").end_object();
    w.end_object();
    w.end_object().end_array();
    w.end_object();
    return w.take();
}

class Teams final : public herald::sdk::Provider {
public:
    Teams(std::string url, bool connector) : url_(std::move(url)), connector_(connector) {}

    Verdict step(Step& step) const override {
        const auto& event = step.event();
        if (herald::chat::is_commit_status_update(event)) return Verdict::Skip;
        step.emit(herald::chat::json_post(url_, body_within_limit(event)));
        return Verdict::Done;
    }

private:
    std::string body(const Event& event, std::string_view message) const {
        return connector_ ? message_card(event, message) : adaptive_card(event, message);
    }

    // Keeps the longest prefix of the message whose encoded body fits.
    // Escaping makes the body grow unevenly with the text (`<` takes six
    // bytes), so search the byte budget instead of estimating it. If the
    // metadata alone is too big, the message goes empty and Teams' answer
    // decides.
    std::string body_within_limit(const Event& event) const {
        std::string full = body(event, event.message());
        if (full.size() <= kPayloadLimit) return full;
        auto shortened = [&](size_t budget) {
            return body(event, budget == 0 ? std::string() : herald::chat::shorten(event.message(), budget));
        };
        size_t fits = 0, too_big = event.message().size();
        while (too_big - fits > 1) {
            size_t mid = fits + (too_big - fits) / 2;
            if (shortened(mid).size() <= kPayloadLimit) fits = mid;
            else too_big = mid;
        }
        return shortened(fits);
    }

    std::string url_;
    bool connector_;
};

std::unique_ptr<herald::sdk::Provider> make(size_t, const Config& cfg, Diagnostics& diag) {
    herald::chat::check_address(cfg, diag, "Microsoft Teams");
    if (diag.errors() > 0) return nullptr;
    auto url = herald::sdk::parse_url(cfg.address());
    return std::make_unique<Teams>(std::string(cfg.address()), is_connector(*url));
}

using herald::sdk::field;

const herald_field_info msteams_fields[] = {
    field("address", HERALD_FIELD_URL, HERALD_FIELD_REQUIRED,
          "Workflows (Power Automate) webhook URL, or a legacy *.webhook.office.com connector URL (the secret's "
          "address wins)"),
    herald::chat::kSecretAddressField,
};
const herald_type_info types[] = {
    herald::sdk::type("msteams", "Post an Adaptive Card (or a legacy MessageCard) to Microsoft Teams", 0,
                      msteams_fields),
};

const herald::sdk::PluginSpec& spec() {
    static const herald::sdk::PluginSpec s{
        "io.herald.provider.msteams", "Microsoft Teams", "1.0.0", "herald", "https://github.com/herald-dev/herald",
        "Apache-2.0", "Flux-compatible Microsoft Teams notifications (Adaptive Card and O365 MessageCard)", types,
        std::size(types), &make};
    return s;
}

}  // namespace

HERALD_PLUGIN(spec)
