// The well-behaved test plugin. "test-echo" does one step whose behaviour the
// event's reason selects (so tests can drive every path of the host);
// "test-two-step" does GET-then-POST like the git commit-status providers.
#include <herald/sdk.hpp>

#include <string>

namespace {

using herald::sdk::Request;
using herald::sdk::Step;
using herald::sdk::Verdict;

class Echo : public herald::sdk::Provider {
public:
    Echo(std::string address, std::string token) : address_(std::move(address)), token_(std::move(token)) {}

    Verdict step(Step& step) const override {
        const std::string reason(step.event().reason());
        if (reason == "skip") return Verdict::Skip;
        if (reason == "none") return Verdict::Done;
        if (reason == "config") return step.fail(Verdict::ConfigError, "token " + token_ + " was refused");
        if (reason == "event") return Verdict::EventError;
        if (reason == "permanent") return step.fail(Verdict::Permanent, "gone");
        if (reason == "retry") return step.fail(Verdict::Retryable, "later");
        if (reason == "internal") return Verdict::Internal;
        if (reason == "two-errors") {
            step.report(HERALD_LEVEL_ERROR, "", "first");
            step.report(HERALD_LEVEL_ERROR, "spec.channel", "second");
            return Verdict::Permanent;
        }
        if (reason == "log") {
            herald::sdk::log(HERALD_LEVEL_INFO, "using token " + token_);
            return Verdict::Done;
        }
        if (reason == "warn") {
            step.report(HERALD_LEVEL_WARNING, "", "careful with " + token_);
            return Verdict::Done;
        }
        if (reason == "many") {
            for (int i = 1; i <= 3; ++i) step.emit(post(address_ + "/" + std::to_string(i), "n"));
            return Verdict::Done;
        }
        if (reason == "too-many") {
            for (int i = 0; i < 17; ++i) step.emit(post(address_, "x"));
            return Verdict::Done;
        }
        if (reason == "big-body") {
            step.emit(post(address_, std::string(1024 * 1024 + 1, 'x')));
            return Verdict::Done;
        }
        if (reason == "max-body") {
            step.emit(post(address_, std::string(1024 * 1024, 'x')));
            return Verdict::Done;
        }
        if (reason == "bad-url") {
            step.emit(post("ftp://example.com/x", "x"));
            return Verdict::Done;
        }
        if (reason == "relative-url") {
            step.emit(post("/just/a/path", "x"));
            return Verdict::Done;
        }
        if (reason == "big-state") {
            step.emit(post(address_, "x"));
            step.save_state(std::string(64 * 1024 + 1, 's'));
            return Verdict::Send;
        }
        if (reason == "loop") {
            step.emit(post(address_, std::to_string(step.index())));
            return Verdict::Send;
        }
        if (reason == "send-none") return Verdict::Send;
        if (reason == "timeout") {
            Request r = post(address_, "t");
            r.method = "GET";
            r.timeout_ms = 1234;
            r.flags = HERALD_REQ_IDEMPOTENT;
            step.emit(r);
            return Verdict::Done;
        }
        // The default: one signed POST, with headers the host must strip or mask.
        Request r = post(address_, std::string(step.event().canonical_json()));
        r.header("Content-Type", "application/json");
        r.header("Authorization", "Bearer " + token_, true);
        r.header("X-Token-Echo", token_);
        r.header("Host", "evil.example");
        r.header("Connection", "close");
        r.header("Proxy-Authorization", "Basic eA==");
        r.header("Content-Length", "999");
        r.header("Transfer-Encoding", "chunked");
        r.header("X-Signature", "sha256=" + herald::sdk::hmac_sha256_hex(token_, step.event().canonical_json()));
        step.emit(r);
        return Verdict::Done;
    }

private:
    static Request post(std::string url, std::string body) {
        Request r;
        r.url = std::move(url);
        r.body = std::move(body);
        return r;
    }

    std::string address_;
    std::string token_;
};

class TwoStep : public herald::sdk::Provider {
public:
    explicit TwoStep(std::string address) : address_(std::move(address)) {}

    Verdict step(Step& step) const override {
        if (step.index() == 0) {
            Request get;
            get.method = "GET";
            get.url = address_ + "/status?attempt=" + std::to_string(step.attempt());
            get.flags = HERALD_REQ_IDEMPOTENT;
            step.emit(get);
            step.save_state("from-step-0");
            return Verdict::Send;
        }
        if (step.response_count() != 1 || step.state() != "from-step-0")
            return step.fail(Verdict::Internal, "step 1 got unexpected input");
        auto response = step.response(0);
        if (!response.ok()) return step.fail_response(response);
        if (response.body() == "same") return Verdict::Done;
        Request post;
        post.url = address_ + "/status";
        post.body = "seen=" + std::string(response.body()) + ";state=" + std::string(step.state()) +
                    ";etag=" + std::string(response.header("etag").value_or("-"));
        step.emit(post);
        return Verdict::Done;
    }

private:
    std::string address_;
};

std::unique_ptr<herald::sdk::Provider> make(size_t type_index, const herald::sdk::Config& config,
                                            herald::sdk::Diagnostics& diag) {
    if (config.channel() == "reject") {
        diag.error("spec.channel", "channel rejected; token is " + std::string(config.secret("token").value_or("")));
        return nullptr;
    }
    if (config.channel() == "warn") diag.warning("spec.channel", "channel is odd");
    if (type_index == 0) return std::make_unique<Echo>(std::string(config.address()),
                                                       std::string(config.secret("token").value_or("")));
    return std::make_unique<TwoStep>(std::string(config.address()));
}

using herald::sdk::field;
const herald_field_info kEchoFields[] = {
    field("address", HERALD_FIELD_URL, HERALD_FIELD_REQUIRED, "Where to post."),
    field("channel", HERALD_FIELD_STRING, 0, "Where the message goes."),
    field("count", HERALD_FIELD_INT, 0, "A number.", "1"),
    field("verbose", HERALD_FIELD_BOOL, 0, "A switch.", "false"),
    field("interval", HERALD_FIELD_DURATION, 0, "A duration."),
    field("label", HERALD_FIELD_STRING, HERALD_FIELD_SENSITIVE, "A sensitive spec field."),
    field("old", HERALD_FIELD_STRING, HERALD_FIELD_DEPRECATED, "Do not use."),
    field("token", HERALD_FIELD_STRING, HERALD_FIELD_SECRET | HERALD_FIELD_REQUIRED | HERALD_FIELD_SENSITIVE,
          "The API token."),
};
const herald_field_info kTwoStepFields[] = {
    field("address", HERALD_FIELD_URL, HERALD_FIELD_REQUIRED, "API base URL."),
    field("token", HERALD_FIELD_STRING, HERALD_FIELD_SECRET | HERALD_FIELD_SENSITIVE, "The API token."),
};
const herald_type_info kTypes[] = {
    herald::sdk::type("test-echo", "Posts the event; the reason picks a behaviour.", 0, kEchoFields),
    herald::sdk::type("test-two-step", "GET then POST.", HERALD_TYPE_COMMIT_STATUS | HERALD_TYPE_ORDERED,
                      kTwoStepFields),
};

const herald::sdk::PluginSpec& spec() {
    static const herald::sdk::PluginSpec s{"io.herald.test.good", "good", "1.2.3", "herald tests",
                                           "https://example.invalid/good", "Apache-2.0",
                                           "Test plugin for the plugin host.", kTypes, 2, &make};
    return s;
}

}  // namespace

HERALD_PLUGIN(spec)
