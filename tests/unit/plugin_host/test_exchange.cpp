#include "test_support.hpp"

#include <catch2/catch.hpp>

using namespace herald::plugin_host;
using namespace herald::plugin_host::test;

namespace {

struct EchoEnv {
    Loaded env{{"good.so", "faulty.so"}};
    std::shared_ptr<ProviderInstance> instance;

    explicit EchoEnv(ProviderSettings s = echo_settings()) {
        auto created = env.registry->create(s);
        REQUIRE(created.instance);
        instance = created.instance;
    }
    ExchangeResult run(const std::string& reason, ScriptedSender& sender, uint32_t attempt = 0, int64_t now = 1000) {
        return run_exchange(*instance, event_with_reason(reason), attempt, now, sender.sender());
    }
};

std::shared_ptr<ProviderInstance> create(PluginRegistry& registry, const std::string& type) {
    ProviderSettings s = echo_settings();
    s.type = type;
    auto created = registry.create(s);
    REQUIRE(created.instance);
    return created.instance;
}

}  // namespace

TEST_CASE("A DONE step's request is sent with host headers stripped and credentials marked sensitive") {
    EchoEnv e(echo_settings("Jefe"));
    EventData event = event_with_reason("");
    event.canonical_json = "what do ya want for nothing?";
    ScriptedSender sender({reply(204)});
    auto result = run_exchange(*e.instance, event, 0, 1000, sender.sender());
    CHECK(result.outcome == Outcome::Delivered);
    CHECK(result.error.empty());
    CHECK(result.steps == 1);
    CHECK(result.requests == 1);
    REQUIRE(sender.seen.size() == 1);
    const OutgoingRequest& req = sender.seen[0];
    CHECK(req.method == "POST");
    CHECK(req.url == "https://hooks.example.com/in");
    CHECK(req.body == "what do ya want for nothing?");
    CHECK(req.timeout_ms == 5000);
    CHECK_FALSE(req.idempotent);
    std::vector<std::string> names;
    for (const auto& h : req.headers) names.push_back(h.name);
    CHECK(names == std::vector<std::string>{"Content-Type", "Authorization", "X-Token-Echo", "X-Signature"});
    CHECK_FALSE(find_header(req, "Content-Type")->sensitive);
    CHECK(find_header(req, "Authorization")->sensitive);
    CHECK(find_header(req, "X-Token-Echo")->sensitive);  // carries a secret value
    // RFC 4231 test case 2, computed by the host for the plugin.
    CHECK(find_header(req, "X-Signature")->value ==
          "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    REQUIRE(result.sent.size() == 1);
    CHECK(result.sent[0].url == req.url);
}

TEST_CASE("DONE answers are judged by the default rules") {
    EchoEnv e;
    SECTION("429 is retried and its Retry-After is kept") {
        ScriptedSender sender({reply(429, "slow down", {{"retry-after", "30"}})});
        auto r = e.run("", sender);
        CHECK(r.outcome == Outcome::Retry);
        CHECK(r.retry_after == std::optional<std::string>("30"));
        CHECK(r.error == "request failed with status code 429: slow down");
    }
    SECTION("408 and 500 are retried") {
        ScriptedSender a({reply(408)});
        CHECK(e.run("", a).outcome == Outcome::Retry);
        ScriptedSender b({reply(500, "oops")});
        auto r = e.run("", b);
        CHECK(r.outcome == Outcome::Retry);
        CHECK_FALSE(r.retry_after);
        CHECK(r.error == "request failed with status code 500: oops");
    }
    SECTION("501 and 404 are permanent, with at most 512 bytes of the body") {
        ScriptedSender a({reply(501)});
        auto r501 = e.run("", a);
        CHECK(r501.outcome == Outcome::Permanent);
        CHECK(r501.error == "request failed with status code 501");
        ScriptedSender b({reply(404, std::string(600, 'b'))});
        auto r404 = e.run("", b);
        CHECK(r404.outcome == Outcome::Permanent);
        CHECK(r404.error == "request failed with status code 404: " + std::string(512, 'b'));
    }
    SECTION("the first failure stops the rest") {
        ScriptedSender sender({reply(200), reply(400, "bad"), reply(200)});
        auto r = e.run("many", sender);
        CHECK(r.outcome == Outcome::Permanent);
        CHECK(sender.seen.size() == 2);
        CHECK(r.requests == 2);
    }
    SECTION("all 2xx is delivered") {
        ScriptedSender sender({reply(200), reply(201), reply(202)});
        auto r = e.run("many", sender);
        CHECK(r.outcome == Outcome::Delivered);
        REQUIRE(sender.seen.size() == 3);
        CHECK(sender.seen[2].url == "https://hooks.example.com/in/3");
    }
}

TEST_CASE("A transport failure is retried and later requests are not sent") {
    EchoEnv e;
    ScriptedSender sender({reply(200), transport_failure("connection refused")});
    auto r = e.run("many", sender);
    CHECK(r.outcome == Outcome::Retry);
    CHECK(r.error == "POST https://hooks.example.com/in/2: connection refused");
    CHECK(sender.seen.size() == 2);
}

TEST_CASE("A failed certificate check is permanent") {
    EchoEnv e;
    ScriptedSender sender({transport_failure("certificate verify failed", true)});
    auto r = e.run("", sender);
    CHECK(r.outcome == Outcome::Permanent);
    CHECK_THAT(r.error, Catch::EndsWith("certificate verify failed"));
}

TEST_CASE("Request timeout and idempotence come from the plugin when it sets them") {
    EchoEnv e;
    ScriptedSender sender;
    auto r = e.run("timeout", sender);
    CHECK(r.outcome == Outcome::Delivered);
    REQUIRE(sender.seen.size() == 1);
    CHECK(sender.seen[0].method == "GET");
    CHECK(sender.seen[0].timeout_ms == 1234);
    CHECK(sender.seen[0].idempotent);
}

TEST_CASE("SEND calls the next step with the responses and the saved state") {
    Loaded env({"good.so"});
    auto instance = create(*env.registry, "test-two-step");
    ScriptedSender sender({reply(200, "old", {{"ETag", "v7"}}), reply(201)});
    auto r = run_exchange(*instance, event_with_reason(""), 3, 1000, sender.sender());
    CHECK(r.outcome == Outcome::Delivered);
    CHECK(r.steps == 2);
    CHECK(r.requests == 2);
    REQUIRE(sender.seen.size() == 2);
    CHECK(sender.seen[0].method == "GET");
    CHECK(sender.seen[0].url == "https://hooks.example.com/in/status?attempt=3");
    CHECK(sender.seen[0].idempotent);
    CHECK(sender.seen[1].method == "POST");
    CHECK(sender.seen[1].body == "seen=old;state=from-step-0;etag=v7");
}

TEST_CASE("A second step may decide there is nothing to send") {
    Loaded env({"good.so"});
    auto instance = create(*env.registry, "test-two-step");
    ScriptedSender sender({reply(200, "same")});
    auto r = run_exchange(*instance, event_with_reason(""), 0, 1000, sender.sender());
    CHECK(r.outcome == Outcome::Delivered);
    CHECK(r.steps == 2);
    CHECK(sender.seen.size() == 1);
}

TEST_CASE("A plugin's retry after a SEND keeps the Retry-After of the failing response") {
    Loaded env({"good.so"});
    auto instance = create(*env.registry, "test-two-step");
    ScriptedSender sender({reply(503, "busy", {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}})});
    auto r = run_exchange(*instance, event_with_reason(""), 0, 1000, sender.sender());
    CHECK(r.outcome == Outcome::Retry);
    CHECK(r.retry_after == std::optional<std::string>("Wed, 21 Oct 2015 07:28:00 GMT"));
    CHECK(r.error == "request failed with status code 503: busy");
}

TEST_CASE("A transport failure during SEND ends the exchange before the next step") {
    Loaded env({"good.so"});
    auto instance = create(*env.registry, "test-two-step");
    ScriptedSender sender({transport_failure("timed out")});
    auto r = run_exchange(*instance, event_with_reason(""), 0, 1000, sender.sender());
    CHECK(r.outcome == Outcome::Retry);
    CHECK(r.steps == 1);
    CHECK_THAT(r.error, Catch::EndsWith(": timed out"));
}

TEST_CASE("Verdicts map to outcomes with the plugin's error reports as text") {
    EchoEnv e;
    ScriptedSender sender;
    CHECK(e.run("skip", sender).outcome == Outcome::Skipped);
    auto none = e.run("none", sender);
    CHECK(none.outcome == Outcome::Delivered);
    CHECK(none.requests == 0);

    auto config = e.run("config", sender);
    CHECK(config.outcome == Outcome::ConfigError);
    CHECK(config.error == "token ***** was refused");
    auto event = e.run("event", sender);
    CHECK(event.outcome == Outcome::EventError);
    CHECK(event.error == "event cannot be delivered by this provider");
    auto permanent = e.run("permanent", sender);
    CHECK(permanent.outcome == Outcome::Permanent);
    CHECK(permanent.error == "gone");
    auto retry = e.run("retry", sender);
    CHECK(retry.outcome == Outcome::Retry);
    CHECK(retry.error == "later");
    auto internal = e.run("internal", sender);
    CHECK(internal.outcome == Outcome::Internal);
    CHECK(internal.error == "plugin internal error");
    auto joined = e.run("two-errors", sender);
    CHECK(joined.outcome == Outcome::Permanent);
    CHECK(joined.error == "first; spec.channel: second");
    CHECK(sender.seen.empty());
}

TEST_CASE("Host limits end the exchange as Internal with the reason") {
    EchoEnv e;
    ScriptedSender sender;
    // Each Internal counts towards the breaker; a clean run in between resets it.
    auto internal = [&](const std::string& reason) {
        auto r = e.run(reason, sender);
        ScriptedSender ok;
        REQUIRE(e.run("none", ok).outcome == Outcome::Delivered);
        CHECK(r.outcome == Outcome::Internal);
        return r;
    };
    CHECK(internal("too-many").error == "more than 16 requests in one step");
    CHECK(internal("big-body").error == "request body of 1048577 bytes exceeds the 1 MiB limit");
    CHECK(internal("bad-url").error == "request URL \"ftp://example.com/x\" is not an absolute http(s) URL");
    CHECK(internal("relative-url").error == "request URL \"/just/a/path\" is not an absolute http(s) URL");
    CHECK(internal("big-state").error == "state of 65537 bytes exceeds the 64 KiB limit");
    CHECK(internal("send-none").error == "protocol error: SEND without requests");
    CHECK(sender.seen.empty());

    auto loop = internal("loop");
    CHECK(loop.error == "protocol error: exchange needs more than 8 steps");
    CHECK(loop.steps == 8);
    CHECK(sender.seen.size() == 8);

    ScriptedSender ok;
    CHECK(e.run("max-body", ok).outcome == Outcome::Delivered);
}

TEST_CASE("An exception in step and an unknown verdict are Internal") {
    Loaded env({"faulty.so"});
    ScriptedSender sender;
    auto thrower = create(*env.registry, "test-throw");
    auto thrown = run_exchange(*thrower, event_with_reason(""), 0, 1000, sender.sender());
    CHECK(thrown.outcome == Outcome::Internal);
    CHECK(thrown.error == "plugin error: boom");
    CHECK(env.log.count("error io.herald.test.faulty: exception at ABI boundary in step: boom") == 1);

    auto odd = create(*env.registry, "test-verdict-77");
    auto r77 = run_exchange(*odd, event_with_reason(""), 0, 1000, sender.sender());
    CHECK(r77.outcome == Outcome::Internal);
    CHECK(r77.error == "plugin returned unknown verdict 77");
}

TEST_CASE("The circuit breaker opens after five Internal outcomes in a row and half-opens after 60 s") {
    Loaded env({"faulty.so", "good.so"});
    auto thrower = create(*env.registry, "test-throw");
    auto odd = create(*env.registry, "test-verdict-77");
    auto echo = create(*env.registry, "test-echo");
    ScriptedSender sender;
    auto run = [&](ProviderInstance& i, int64_t now) {
        return run_exchange(i, event_with_reason("none"), 0, now, sender.sender());
    };
    auto faulty_state = [&] {
        for (const auto& s : env.registry->breaker_states())
            if (s.plugin_id == "io.herald.test.faulty") return s;
        FAIL("no breaker state for the faulty plugin");
        return BreakerState{};
    };

    for (int i = 0; i < 4; ++i) CHECK(run(*thrower, 1000).error == "plugin error: boom");
    CHECK_FALSE(faulty_state().open);
    CHECK(faulty_state().consecutive_internal == 4);
    CHECK(run(*odd, 1000).error == "plugin returned unknown verdict 77");
    CHECK(faulty_state().open);
    CHECK(faulty_state().open_until_unix_ms == 61000);

    // Open: the plugin is not called, for any of its types.
    auto refused = run(*odd, 2000);
    CHECK(refused.outcome == Outcome::Internal);
    CHECK(refused.error == "circuit open: plugin io.herald.test.faulty failed 5 times in a row");
    CHECK(refused.steps == 0);
    CHECK(run(*thrower, 60999).steps == 0);
    // Other plugins are unaffected.
    CHECK(run(*echo, 2000).outcome == Outcome::Delivered);

    // Half-open after 60 s: one trial; it fails, so the circuit opens again.
    auto trial = run(*thrower, 61000);
    CHECK(trial.steps == 1);
    CHECK(trial.error == "plugin error: boom");
    CHECK(run(*thrower, 61001).steps == 0);
    CHECK(faulty_state().open_until_unix_ms == 121000);
}

TEST_CASE("A successful half-open trial closes the circuit") {
    Loaded env({"good.so"});
    auto echo = create(*env.registry, "test-echo");
    ScriptedSender sender;
    for (int i = 0; i < 5; ++i)
        CHECK(run_exchange(*echo, event_with_reason("internal"), 0, 0, sender.sender()).outcome == Outcome::Internal);
    CHECK(run_exchange(*echo, event_with_reason("none"), 0, 1000, sender.sender()).steps == 0);
    CHECK(run_exchange(*echo, event_with_reason("none"), 0, 60000, sender.sender()).outcome == Outcome::Delivered);
    CHECK_FALSE(env.registry->breaker_states()[0].open);
    CHECK(env.registry->breaker_states()[0].consecutive_internal == 0);
    CHECK(run_exchange(*echo, event_with_reason("none"), 0, 60001, sender.sender()).outcome == Outcome::Delivered);
}

TEST_CASE("Error texts and plugin log lines never contain secret values") {
    ProviderSettings s = echo_settings("hunter2-secret");
    s.fields = {{"label", "spec-sensitive-label"}};
    Loaded env({"good.so"});
    auto created = env.registry->create(s, {"proxy-password-xyz"});
    REQUIRE(created.instance);
    auto& instance = *created.instance;
    ScriptedSender sender({reply(404, "no such token hunter2-secret; label spec-sensitive-label"),
                           transport_failure("proxy-password-xyz rejected")});
    auto r404 = run_exchange(instance, event_with_reason(""), 0, 1000, sender.sender());
    CHECK(r404.error == "request failed with status code 404: no such token *****; label *****");
    auto transport = run_exchange(instance, event_with_reason(""), 0, 1000, sender.sender());
    CHECK(transport.error == "POST https://hooks.example.com/in: ***** rejected");
    auto config = run_exchange(instance, event_with_reason("config"), 0, 1000, sender.sender());
    CHECK(config.error == "token ***** was refused");
    run_exchange(instance, event_with_reason("warn"), 0, 1000, sender.sender());
    CHECK(env.log.count("warning io.herald.test.good: careful with *****") == 1);
    CHECK(env.log.count("hunter2") == 0);
    CHECK(instance.mask("a hunter2-secret b") == "a ***** b");
}

TEST_CASE("An address that came from a secret is masked in errors") {
    ProviderSettings s = echo_settings();
    s.address = "https://hooks.example.com/T000/B000/XXXXSECRET";
    s.secrets.push_back({"address", s.address});
    Loaded env({"good.so"});
    auto created = env.registry->create(s);
    REQUIRE(created.instance);
    ScriptedSender sender({transport_failure("connection refused")});
    auto r = run_exchange(*created.instance, event_with_reason(""), 0, 1000, sender.sender());
    CHECK(r.error == "POST *****: connection refused");
    // The request itself still goes to the real address.
    CHECK(sender.seen[0].url == s.address);
}
