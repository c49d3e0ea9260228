// discord: the Slack-shaped body posted to Discord's Slack-compatible webhook
// endpoint `<webhook>/slack` (reference/providers.md §3.4). One step; the host
// judges the answer.
#include "chat_message.hpp"

#include <herald/sdk.hpp>

#include <iterator>
#include <vector>

namespace {

using herald::sdk::Config;
using herald::sdk::Diagnostics;
using herald::sdk::Step;
using herald::sdk::Verdict;

// Discord turns the attachment into an embed. Its description may hold 4096
// characters but a message's content only 2000; we keep to the smaller one.
// Embed field values hold at most 1024 characters.
constexpr size_t kTextLimit = 2000;
constexpr size_t kFieldValueLimit = 1024;

// Go's path.Clean: one slash between segments, "." and ".." resolved, no
// trailing slash; rooted paths stay rooted. Flux cleans the joined path, so
// the rewritten URL must match it byte for byte.
std::string clean_path(std::string_view path) {
    const bool rooted = !path.empty() && path.front() == '/';
    std::vector<std::string_view> kept;
    for (std::string_view segment : herald::sdk::split(path, '/')) {
        if (segment.empty() || segment == ".") continue;
        if (segment == "..") {
            if (!kept.empty() && kept.back() != "..") kept.pop_back();
            else if (!rooted) kept.push_back(segment);
            continue;
        }
        kept.push_back(segment);
    }
    std::string out = rooted ? "/" : "";
    for (size_t i = 0; i < kept.size(); ++i) {
        if (i > 0) out += '/';
        out += kept[i];
    }
    return out.empty() ? "." : out;
}

// The Slack-compatible endpoint of a webhook URL: "slack" joined to the path
// unless the whole address already ends in "/slack" (so "/slack?wait=true"
// becomes "/slack/slack?wait=true", as in Flux). Query and fragment stay.
std::string slack_endpoint(std::string_view address, const herald::sdk::Url& url) {
    if (herald::sdk::ends_with(address, "/slack")) return std::string(address);
    std::string path = clean_path(url.path + "/slack");
    std::string out = url.scheme + "://";
    if (!url.userinfo.empty()) out += url.userinfo + "@";
    out += url.authority() + path;
    if (!url.query.empty()) out += "?" + url.query;
    if (!url.fragment.empty()) out += "#" + url.fragment;
    return out;
}

class Discord final : public herald::sdk::Provider {
public:
    Discord(std::string url, std::string username) : url_(std::move(url)), username_(std::move(username)) {}

    Verdict step(Step& step) const override {
        const auto& event = step.event();
        if (herald::chat::is_commit_status_update(event)) return Verdict::Skip;
        herald::chat::SlackShape shape;
        shape.channel = "";  // Discord ignores it; Flux always sends ""
        shape.username = username_.empty() ? event.reporting_controller() : std::string_view(username_);
        shape.colors = herald::chat::kSlackColors;
        shape.text_limit = kTextLimit;
        shape.field_value_limit = kFieldValueLimit;
        step.emit(herald::chat::json_post(url_, herald::chat::slack_body(event, shape)));
        return Verdict::Done;
    }

private:
    std::string url_;
    std::string username_;
};

std::unique_ptr<herald::sdk::Provider> make(size_t, const Config& cfg, Diagnostics& diag) {
    herald::chat::check_address(cfg, diag, "Discord");
    if (diag.errors() > 0) return nullptr;
    auto url = herald::sdk::parse_url(cfg.address());
    return std::make_unique<Discord>(slack_endpoint(cfg.address(), *url), std::string(cfg.username()));
}

using herald::sdk::field;

const herald_field_info discord_fields[] = {
    field("address", HERALD_FIELD_URL, HERALD_FIELD_REQUIRED,
          "Discord webhook URL; /slack is appended unless it already ends in /slack (the secret's address wins)"),
    field("channel", HERALD_FIELD_STRING, 0, "Accepted for compatibility and ignored: Discord posts to the webhook's channel"),
    field("username", HERALD_FIELD_STRING, 0, "Display name; defaults to the event's reporting controller"),
    herald::chat::kSecretAddressField,
    herald::chat::kSecretUsernameField,
};
const herald_type_info types[] = {
    herald::sdk::type("discord", "Post a message to a Discord webhook (Slack-compatible endpoint)", 0, discord_fields),
};

const herald::sdk::PluginSpec& spec() {
    static const herald::sdk::PluginSpec s{
        "io.herald.provider.discord", "Discord", "1.0.0", "herald", "https://github.com/herald-dev/herald",
        "Apache-2.0", "Flux-compatible Discord notifications through the Slack-compatible webhook endpoint", types,
        std::size(types), &make};
    return s;
}

}  // namespace

HERALD_PLUGIN(spec)
