// slack: legacy-attachment messages to an incoming webhook or, with a bot
// token, to the chat.postMessage Web API (reference/providers.md §3.3).
// Webhooks take one step judged by the host; chat.postMessage answers 200 even
// on failure, so it takes a second step that reads the `ok` flag.
#include "chat_message.hpp"

#include <herald/sdk.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iterator>

namespace {

using herald::sdk::Config;
using herald::sdk::Diagnostics;
using herald::sdk::Step;
using herald::sdk::Verdict;

// The only address whose answers are decoded (Flux v1.6+ does the same).
constexpr std::string_view kPostMessageUrl = "https://slack.com/api/chat.postMessage";

// chat.postMessage truncates message text beyond 40,000 characters; cut it
// ourselves so the reader sees a marker.
constexpr size_t kTextLimit = 40000;

// `error` codes of a 2xx `ok:false` answer that are worth another attempt;
// every other code (channel_not_found, invalid_auth, not_in_channel, ...)
// needs a configuration change.
bool retryable_slack_error(std::string_view code) {
    static constexpr std::string_view codes[] = {"ratelimited",         "rate_limited",   "internal_error",
                                                 "fatal_error",         "service_unavailable",
                                                 "request_timeout"};
    return std::find(std::begin(codes), std::end(codes), code) != std::end(codes);
}

// Judges the answer of chat.postMessage: HTTP status first, then the `ok` flag.
Verdict judge_post_message(Step& step) {
    if (step.response_count() != 1) return step.fail(Verdict::Internal, "expected one response from chat.postMessage");
    const auto response = step.response(0);
    if (!response.ok()) return step.fail_response(response);
    // An empty 2xx body cannot say anything else than the status did.
    if (herald::sdk::trim(response.body()).empty()) return Verdict::Done;
    auto answer = nlohmann::json::parse(response.body(), nullptr, false);
    if (answer.is_discarded() || !answer.is_object() || !answer.contains("ok") || !answer["ok"].is_boolean()) {
        // Not Slack talking (a proxy page?): the message may or may not have
        // been posted, and retrying could post it twice.
        std::string head(response.body().substr(0, 200));
        return step.fail(Verdict::Permanent, "Slack responded with an unexpected body: " + head);
    }
    if (answer["ok"].get<bool>()) return Verdict::Done;
    std::string code = answer.contains("error") && answer["error"].is_string() ? answer["error"].get<std::string>()
                                                                                : std::string();
    Verdict v = retryable_slack_error(code) ? Verdict::Retryable : Verdict::Permanent;
    return step.fail(v, "Slack responded with error: " + (code.empty() ? std::string("unknown") : code));
}

class Slack final : public herald::sdk::Provider {
public:
    Slack(std::string url, std::string channel, std::string username, std::string token)
        : url_(std::move(url)),
          channel_(std::move(channel)),
          username_(std::move(username)),
          token_(std::move(token)),
          post_message_(url_ == kPostMessageUrl) {}

    Verdict step(Step& step) const override {
        if (step.index() > 0) return judge_post_message(step);
        const auto& event = step.event();
        if (herald::chat::is_commit_status_update(event)) return Verdict::Skip;
        herald::chat::SlackShape shape;
        shape.channel = channel_;
        shape.username = username_.empty() ? event.reporting_controller() : std::string_view(username_);
        shape.colors = herald::chat::kSlackColors;
        shape.with_fallback = true;
        shape.text_limit = kTextLimit;
        auto request = herald::chat::json_post(url_, herald::chat::slack_body(event, shape));
        // Sent whenever a token is configured, whatever the URL (as Flux does).
        if (!token_.empty()) request.header("Authorization", "Bearer " + token_, true);
        step.emit(request);
        return post_message_ ? Verdict::Send : Verdict::Done;
    }

private:
    std::string url_;
    std::string channel_;
    std::string username_;
    std::string token_;
    bool post_message_;
};

std::unique_ptr<herald::sdk::Provider> make(size_t, const Config& cfg, Diagnostics& diag) {
    herald::chat::check_address(cfg, diag, "Slack");
    std::string token(cfg.secret("token").value_or(""));
    if (cfg.address() == kPostMessageUrl) {
        if (token.empty())
            diag.error("secret.token",
                       "chat.postMessage needs a bot token: set `token` (xoxb-...) in the secret referenced by "
                       "spec.secretRef");
        if (cfg.channel().empty())
            diag.error("spec.channel", "chat.postMessage needs a channel: set spec.channel to a channel name or ID");
    }
    if (diag.errors() > 0) return nullptr;
    return std::make_unique<Slack>(std::string(cfg.address()), std::string(cfg.channel()),
                                   std::string(cfg.username()), std::move(token));
}

using herald::sdk::field;

const herald_field_info slack_fields[] = {
    field("address", HERALD_FIELD_URL, HERALD_FIELD_REQUIRED,
          "Incoming webhook URL, or https://slack.com/api/chat.postMessage for a bot (the secret's address wins)"),
    field("channel", HERALD_FIELD_STRING, 0, "Channel name or ID; required with chat.postMessage"),
    field("username", HERALD_FIELD_STRING, 0, "Display name; defaults to the event's reporting controller"),
    herald::chat::kSecretAddressField,
    herald::chat::kSecretUsernameField,
    field("token", HERALD_FIELD_STRING, herald::chat::kSecretKey,
          "Bot token (xoxb-...) sent as Authorization: Bearer; required with chat.postMessage"),
};
const herald_type_info types[] = {
    herald::sdk::type("slack", "Post a message to Slack (incoming webhook or chat.postMessage)", 0, slack_fields),
};

const herald::sdk::PluginSpec& spec() {
    static const herald::sdk::PluginSpec s{
        "io.herald.provider.slack", "Slack", "1.0.0", "herald", "https://github.com/herald-dev/herald",
        "Apache-2.0", "Flux-compatible Slack notifications (webhooks and the chat.postMessage API)", types,
        std::size(types), &make};
    return s;
}

}  // namespace

HERALD_PLUGIN(spec)
