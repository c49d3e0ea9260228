// rocket: the Slack-shaped body posted to a Rocket.Chat incoming webhook
// (reference/providers.md §3.5). One step; the host judges the answer.
#include "chat_message.hpp"

#include <herald/sdk.hpp>

#include <iterator>

namespace {

using herald::sdk::Config;
using herald::sdk::Diagnostics;
using herald::sdk::Step;
using herald::sdk::Verdict;

// Rocket.Chat's default Message_MaxAllowedSize is 5000 characters.
constexpr size_t kTextLimit = 5000;

class Rocket final : public herald::sdk::Provider {
public:
    Rocket(std::string url, std::string channel, std::string username)
        : url_(std::move(url)), channel_(std::move(channel)), username_(std::move(username)) {}

    Verdict step(Step& step) const override {
        const auto& event = step.event();
        if (herald::chat::is_commit_status_update(event)) return Verdict::Skip;
        herald::chat::SlackShape shape;
        shape.channel = channel_;
        shape.username = username_;  // not defaulted: "" lets the webhook's own alias show
        shape.colors = herald::chat::kRocketColors;
        shape.text_limit = kTextLimit;
        step.emit(herald::chat::json_post(url_, herald::chat::slack_body(event, shape)));
        return Verdict::Done;
    }

private:
    std::string url_;
    std::string channel_;
    std::string username_;
};

std::unique_ptr<herald::sdk::Provider> make(size_t, const Config& cfg, Diagnostics& diag) {
    herald::chat::check_address(cfg, diag, "Rocket.Chat");
    if (diag.errors() > 0) return nullptr;
    return std::make_unique<Rocket>(std::string(cfg.address()), std::string(cfg.channel()),
                                    std::string(cfg.username()));
}

using herald::sdk::field;

const herald_field_info rocket_fields[] = {
    field("address", HERALD_FIELD_URL, HERALD_FIELD_REQUIRED,
          "Rocket.Chat incoming webhook URL (the secret's address wins)"),
    field("channel", HERALD_FIELD_STRING, 0, "Channel (#name) or user (@name) to post to; empty = the webhook's default"),
    field("username", HERALD_FIELD_STRING, 0, "Display name; empty = the webhook's default alias"),
    herald::chat::kSecretAddressField,
    herald::chat::kSecretUsernameField,
};
const herald_type_info types[] = {
    herald::sdk::type("rocket", "Post a message to a Rocket.Chat incoming webhook", 0, rocket_fields),
};

const herald::sdk::PluginSpec& spec() {
    static const herald::sdk::PluginSpec s{
        "io.herald.provider.rocket", "Rocket.Chat", "1.0.0", "herald", "https://github.com/herald-dev/herald",
        "Apache-2.0", "Flux-compatible Rocket.Chat notifications", types, std::size(types), &make};
    return s;
}

}  // namespace

HERALD_PLUGIN(spec)
