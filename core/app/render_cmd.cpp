// `herald render` (what would happen to an event, sent nowhere) and
// `herald send` (one test notification to one Provider, for real).
#include "cli.hpp"
#include "commands.hpp"
#include "runtime.hpp"

#include <herald/events/event.hpp>
#include <herald/http/client.hpp>
#include <herald/log/log.hpp>
#include <herald/plugin_host/exchange.hpp>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

namespace herald::app {
namespace {

const std::vector<FlagSpec> kRenderFlags = {
    {"config", true, "DIR", "directory of Provider/Alert/Secret manifests", ""},
    {"secrets", true, "DIR", "mounted secrets as DIR/<namespace>/<name>/<key>", ""},
    {"plugins", true, "DIR", "provider plugins directory", "<exe dir>/../lib/herald/plugins or $HERALD_PLUGINS"},
    {"event", true, "FILE", "the Flux event JSON (send: a built-in sample when omitted)", ""},
    {"provider", true, "NS/NAME", "render: only this Provider; send: the Provider to notify", ""},
    {"help", false, "", "show this help", ""},
};

// A Kustomization success event, as kustomize-controller sends it.
const char* kSampleEvent =
    R"({"involvedObject":{"kind":"Kustomization","namespace":"flux-system","name":"herald-test","apiVersion":"kustomize.toolkit.fluxcd.io/v1"},)"
    R"("severity":"info","timestamp":"2024-05-01T10:00:00Z","message":"Test notification from herald send",)"
    R"("reason":"ReconciliationSucceeded","metadata":{"kustomize.toolkit.fluxcd.io/revision":"main@sha1:0000000000000000000000000000000000000000"},)"
    R"("reportingController":"herald","reportingInstance":"herald-send"})";

int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

struct Loaded {
    std::unique_ptr<plugin_host::PluginRegistry> registry;
    std::shared_ptr<Runtime> runtime;
    events::Event event;
};

// Shared front of render and send: flags, plugins, config, the event.
std::optional<Loaded> load(const std::string& cmd, const ParsedFlags& f, bool event_required, int& rc) {
    rc = 2;
    if (!f.has("config")) {
        std::cerr << "herald " << cmd << ": --config DIR is required\n";
        return std::nullopt;
    }
    std::string body = kSampleEvent;
    if (f.has("event")) {
        std::ifstream in(f.get("event"), std::ios::binary);
        if (!in) {
            std::cerr << "herald " << cmd << ": cannot read " << f.get("event") << "\n";
            return std::nullopt;
        }
        std::ostringstream s;
        s << in.rdbuf();
        body = s.str();
    } else if (event_required) {
        std::cerr << "herald " << cmd << ": --event FILE is required\n";
        return std::nullopt;
    }
    auto decoded = events::decode_event(body);
    if (!decoded.ok()) {
        std::cerr << "herald " << cmd << ": " << f.get("event", "the sample event") << ": " << decoded.error << "\n";
        rc = 1;
        return std::nullopt;
    }
    Loaded l;
    l.event = std::move(*decoded.event);
    events::clean_metadata(l.event);
    plugin_host::RegistryOptions ro;
    ro.host_version = HERALD_VERSION;
    l.registry = std::make_unique<plugin_host::PluginRegistry>(ro);
    l.registry->load_dir(f.has("plugins") ? std::filesystem::path(f.get("plugins")) : default_plugins_dir());
    RuntimeSource source{f.get("config"), std::nullopt};
    if (f.has("secrets")) source.secrets_dir = f.get("secrets");
    auto loaded = load_runtime(source, *l.registry, true);
    for (const auto& p : loaded.problems) std::cerr << format_problem(p) << "\n";
    if (!loaded.ok()) {
        std::cerr << "herald " << cmd << ": the configuration is invalid\n";
        rc = 1;
        return std::nullopt;
    }
    l.runtime = loaded.runtime;
    log::set_secrets(l.runtime->secrets);
    return l;
}

std::string describe_request(const plugin_host::OutgoingRequest& r) {
    std::ostringstream s;
    s << "    " << r.method << " " << log::mask(r.url) << "\n";
    for (const auto& h : r.headers) s << "    " << h.name << ": " << (h.sensitive ? "*****" : log::mask(h.value)) << "\n";
    if (r.body.empty()) s << "    (no body)\n";
    else s << "\n    " << log::mask(r.body) << "\n";
    return s.str();
}

}  // namespace

int run_render(const std::vector<std::string>& args) {
    std::string error;
    auto flags = parse_flags(args, kRenderFlags, error);
    if (!flags) {
        std::cerr << "herald render: " << error << "\n";
        return 2;
    }
    if (flags->has("help")) {
        std::cout << format_help("herald render --config DIR --event FILE [--provider NS/NAME]",
                                 "Show which Alerts match an event and why not for the others, and the exact HTTP\n"
                                 "requests each matching Provider would send (nothing is sent; secrets masked).",
                                 kRenderFlags);
        return 0;
    }
    int rc = 0;
    auto l = load("render", *flags, true, rc);
    if (!l) return rc;
    std::vector<routing::AlertDecision> decisions;
    auto routed = l->runtime->router->route(l->event, &decisions);
    const std::string only = flags->get("provider");
    std::cout << "event " << l->event.object.kind << "/" << l->event.object.ns << "/" << l->event.object.name << " ("
              << l->event.severity << ", " << l->event.reason << ")\n\n";
    for (const auto& d : decisions) {
        if (!only.empty() && d.provider_key != only) continue;
        std::cout << "alert " << d.alert_key << " -> provider " << d.provider_key << ": "
                  << (d.matched ? "matched" : "not matched: " + d.reason) << "\n";
    }
    for (const auto& r : routed) {
        const auto& provider = l->runtime->config.providers[r.provider_index];
        if (!only.empty() && provider.key() != only) continue;
        auto target = l->runtime->target(provider.key());
        delivery::PreparedEvent prepared;
        prepared.notification = r.notification;
        events::encode_event(prepared.notification, prepared.canonical_json);
        // Nothing goes out: the first request ends the exchange, so later steps
        // (which depend on the API's answers) are not shown.
        auto result = plugin_host::run_exchange(
            *target->instance, delivery::event_data_for(prepared, *target), 0, now_ms(),
            [](const plugin_host::OutgoingRequest&) {
                plugin_host::Reply reply;
                reply.transport_error = "not sent (render)";
                return reply;
            });
        std::cout << "\nprovider " << provider.key() << " (" << provider.type << "), alert " << r.alert_key << ":\n";
        if (result.sent.empty()) {
            std::cout << "  no request: " << plugin_host::outcome_name(result.outcome)
                      << (result.error.empty() ? "" : " (" + log::mask(result.error) + ")") << "\n";
            continue;
        }
        std::cout << "  step 0 request:\n" << describe_request(result.sent.front());
        if (result.outcome == plugin_host::Outcome::Retry && result.steps == 1 && result.requests >= 1)
            std::cout << "  (nothing was sent; a plugin that reads the answer, like the git providers,\n"
                         "   continues from the API's response)\n";
    }
    return 0;
}

int run_send(const std::vector<std::string>& args) {
    std::string error;
    auto flags = parse_flags(args, kRenderFlags, error);
    if (!flags) {
        std::cerr << "herald send: " << error << "\n";
        return 2;
    }
    if (flags->has("help")) {
        std::cout << format_help("herald send --config DIR --provider NS/NAME [--event FILE]",
                                 "Send one test notification to one Provider now (a built-in sample event when no\n"
                                 "--event is given) and print the outcome. Alerts are not consulted.",
                                 kRenderFlags);
        return 0;
    }
    if (!flags->has("provider")) {
        std::cerr << "herald send: --provider NS/NAME is required\n";
        return 2;
    }
    int rc = 0;
    auto l = load("send", *flags, false, rc);
    if (!l) return rc;
    auto target = l->runtime->target(flags->get("provider"));
    if (!target) {
        std::cerr << "herald send: no Provider " << flags->get("provider") << " in the configuration\n";
        return 1;
    }
    delivery::PreparedEvent prepared;
    prepared.notification = l->event;
    prepared.notification.metadata = events::notification_metadata(l->event, {}, "").metadata;
    events::encode_event(prepared.notification, prepared.canonical_json);
    http::Client client;
    auto result = plugin_host::run_exchange(
        *target->instance, delivery::event_data_for(prepared, *target), 0, now_ms(),
        [&](const plugin_host::OutgoingRequest& r) { return delivery::send_request(client, *target, r); });
    std::cout << "provider " << target->key << " (" << target->type << "): " << plugin_host::outcome_name(result.outcome)
              << " after " << result.requests << " request(s)";
    if (!result.error.empty()) std::cout << ": " << log::mask(result.error);
    std::cout << "\n";
    bool ok = result.outcome == plugin_host::Outcome::Delivered || result.outcome == plugin_host::Outcome::Skipped;
    return ok ? 0 : 1;
}

}  // namespace herald::app
