// Building blocks shared by the chat provider plugins (slack, discord, rocket,
// msteams): the object label, colours, text shortening, address checks and the
// Slack-shaped body that slack, discord and rocket all send
// (reference/providers.md §3.0, §3.3-§3.6).
//
// Header-only on purpose: each plugin is its own shared library and links
// nothing but herald::sdk, so the shared code is compiled into each of them.
#ifndef HERALD_PLUGINS_COMMON_CHAT_MESSAGE_HPP
#define HERALD_PLUGINS_COMMON_CHAT_MESSAGE_HPP

#include <herald/sdk.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace herald::chat {

// Appended to text cut to fit a receiver's size limit, so readers see it was cut.
inline constexpr std::string_view kTruncationMarker = "\xE2\x80\xA6 (truncated)";  // "… (truncated)"

// Label L1 of §3.0: lowercase(kind)/name.namespace, e.g. "kustomization/apps.flux-system".
inline std::string object_label(const sdk::Event& event) {
    return sdk::to_lower(event.kind()) + "/" + std::string(event.name()) + "." + std::string(event.ns());
}

// Chat receivers must not get "Reconciliation finished" status-update events
// (§1.8). The core already filters them; checking again keeps a plugin correct
// even when run by a host that does not.
inline bool is_commit_status_update(const sdk::Event& event) {
    auto value = event.metadata("commit_status");
    return value && *value == "update";
}

// Text up to the first newline, for one-line previews (Slack's `fallback`).
inline std::string_view first_line(std::string_view text) { return text.substr(0, text.find('\n')); }

// Cuts `text` to at most `limit` bytes on a UTF-8 boundary with a visible
// marker, so an oversized message is delivered shortened instead of refused.
// Bytes are never fewer than characters, so a byte limit is the safe reading
// of a receiver's character limit. `limit` 0 means "no limit".
inline std::string shorten(std::string_view text, size_t limit) {
    if (limit == 0 || text.size() <= limit) return std::string(text);
    if (limit <= kTruncationMarker.size()) return std::string();
    return sdk::truncate_utf8(text, limit, kTruncationMarker);
}

// The info/error colour pair of one receiver.
struct Colors {
    std::string_view info;
    std::string_view error;
    std::string_view of(const sdk::Event& event) const { return event.is_error() ? error : info; }
};
inline constexpr Colors kSlackColors{"good", "danger"};         // slack, discord
inline constexpr Colors kRocketColors{"#0076D7", "#FF0000"};    // rocket
inline constexpr Colors kTeamsCardColors{"0076D7", "FF0000"};   // msteams MessageCard themeColor

// Checks the effective address (the secret's `address` wins, the host resolved
// that) is present and an absolute http(s) URL. `service` names the receiver in
// the messages. The address itself is never echoed: it often is a secret.
inline void check_address(const sdk::Config& config, sdk::Diagnostics& diag, std::string_view service) {
    if (config.address().empty()) {
        diag.error("spec.address", "a " + std::string(service) +
                                       " address is required (spec.address or the secret's address)");
        return;
    }
    if (!sdk::parse_url(config.address()))
        diag.error("spec.address",
                   "invalid " + std::string(service) + " hook URL: must be an absolute http:// or https:// URL");
}

// What differs between the Slack-shaped bodies of slack, discord and rocket.
struct SlackShape {
    std::string_view channel;   // always written, may be ""
    std::string_view username;  // always written, may be ""
    Colors colors;
    bool with_fallback = false;        // slack only: "<L1>: <first line of message>"
    size_t text_limit = 0;             // bytes of `text` (and `fallback`); 0 = unlimited
    size_t field_value_limit = 0;      // bytes of each field value; 0 = unlimited
};

// The legacy-attachment body of §3.3: channel, username, icon_url, icon_emoji,
// then one attachment with one field per metadata entry in the host's order
// (sorted by key), `[]` when there is none.
inline std::string slack_body(const sdk::Event& event, const SlackShape& shape) {
    const std::string label = object_label(event);
    sdk::JsonWriter w;
    w.begin_object();
    w.member("channel", shape.channel).member("username", shape.username);
    w.member("icon_url", "").member("icon_emoji", "");
    w.key("attachments").begin_array().begin_object();
    if (shape.with_fallback)
        w.member("fallback", shorten(label + ": " + std::string(first_line(event.message())), shape.text_limit));
    w.member("color", shape.colors.of(event));
    w.member("author_name", label);
    w.member("text", shorten(event.message(), shape.text_limit));
    w.key("mrkdwn_in").begin_array().string("text").end_array();
    w.key("fields").begin_array();
    for (const auto& [key, value] : event.metadata()) {
        w.begin_object();
        w.member("title", key).member("value", shorten(value, shape.field_value_limit)).member("short", false);
        w.end_object();
    }
    w.end_array();
    w.end_object().end_array();
    w.end_object();
    return w.take();
}

// Schema entries every chat type shares (spec.address/channel/username are
// resolved by the host; the secret keys below override them).
inline constexpr uint32_t kSecretKey = sdk::kSecretField;
inline constexpr herald_field_info kSecretAddressField =
    sdk::field("address", HERALD_FIELD_URL, kSecretKey, "Webhook URL kept in the secret; overrides spec.address");
inline constexpr herald_field_info kSecretUsernameField =
    sdk::field("username", HERALD_FIELD_STRING, kSecretKey, "Display name kept in the secret; overrides spec.username");

// The single JSON POST every chat receiver gets.
inline sdk::Request json_post(std::string url, std::string body) {
    sdk::Request r;
    r.method = "POST";
    r.url = std::move(url);
    r.header("Content-Type", "application/json");
    r.body = std::move(body);
    return r;
}

}  // namespace herald::chat

#endif  // HERALD_PLUGINS_COMMON_CHAT_MESSAGE_HPP
