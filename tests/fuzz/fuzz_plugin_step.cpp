// One first-party plugin (one fuzz target per plugin: kFuzzPluginFile) driven by the
// host's real exchange runner, its requests answered with fuzzed responses.
//
// Setup comes from the plugin's golden cases (plugins/<p>/testdata/*/provider.json
// and event.json): every case whose Provider creates is a scenario.
// Input: byte 0 picks the scenario; the rest is a list of responses separated
// by the byte 0x1e, each "STATUS\nName: value\n...\n\nBODY" ("X" as the
// status: a transport failure). Requests beyond the list get "200" and "".
//
// Golden cases with a long message (the plugins' size-limit cases) run whole
// once at start-up; per input they run with the message cut to
// kFuzzedMessageBytes. The fuzz input only shapes the responses, so shrinking
// the message through the plugin's size search on every input (tens of
// milliseconds under the sanitizers: msteams escapes `<` to six bytes, so
// even 8 KiB of message overflows its 28000-byte card) bought no coverage,
// only a 10-50x slower target.
#include "fuzz_support.hpp"

#include <herald/events/event.hpp>
#include <herald/plugin_host/exchange.hpp>
#include <herald/plugin_host/registry.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

namespace fs = std::filesystem;

// Defined per target (CMakeLists.txt): the plugin file and its golden cases.
extern const char* const kFuzzPluginFile;
extern const char* const kFuzzTestdata;
namespace ph = herald::plugin_host;

namespace {

constexpr size_t kFuzzedMessageBytes = 2048;

struct Scenario {
    std::shared_ptr<ph::ProviderInstance> instance;
    ph::EventData event;
};

struct World {
    std::unique_ptr<ph::PluginRegistry> registry;
    std::vector<Scenario> scenarios;
};

std::string read_all(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

ph::ProviderSettings settings_from(const nlohmann::json& j) {
    ph::ProviderSettings s;
    s.type = j.value("type", "");
    s.ns = j.value("namespace", "default");
    s.name = j.value("name", "test");
    s.uid = j.value("uid", "0c9c2e41-d2f9-4f9b-9c1e-8d6b5e1c2a3f");
    s.address = j.value("address", "");
    s.channel = j.value("channel", "");
    s.username = j.value("username", "");
    s.timeout_ms = j.value("timeout_ms", 15000u);
    if (j.contains("fields"))
        for (auto& [k, v] : j["fields"].items()) s.fields.emplace_back(k, v.get<std::string>());
    if (j.contains("secrets"))
        for (auto& [k, v] : j["secrets"].items()) s.secrets.emplace_back(k, v.get<std::string>());
    return s;
}

// The event view the engine builds (delivery::event_data_for), from event.json.
// `max_message`: the message is cut to at most that many bytes, at a UTF-8
// character boundary as a decoded event has it (0 = as it is).
std::optional<ph::EventData> event_from(const std::string& json, const std::string& provider_uid,
                                        size_t max_message = 0) {
    auto decoded = herald::events::decode_event(json);
    if (!decoded.ok()) return std::nullopt;
    auto& e = *decoded.event;
    if (max_message != 0 && e.message.size() > max_message) {
        size_t cut = max_message;
        while (cut > 0 && (static_cast<unsigned char>(e.message[cut]) & 0xC0) == 0x80) --cut;
        e.message.resize(cut);
    }
    ph::EventData d;
    d.kind = e.object.kind;
    d.ns = e.object.ns;
    d.name = e.object.name;
    d.uid = e.object.uid;
    d.api_version = e.object.api_version;
    d.resource_version = e.object.resource_version;
    d.severity = e.severity;
    if (e.timestamp) {
        d.timestamp = herald::events::format_rfc3339(*e.timestamp);
        d.timestamp_unix_ms = *e.timestamp * 1000;
    }
    d.message = e.message;
    d.reason = e.reason;
    d.reporting_controller = e.reporting_controller;
    d.reporting_instance = e.reporting_instance;
    d.metadata.assign(e.metadata.begin(), e.metadata.end());
    d.revision = std::string(herald::events::revision_of(e.metadata));
    d.commit_status_id = herald::events::commit_status_id(e.object.kind, e.object.name, provider_uid);
    d.canonical_json = herald::events::encode_event(e);
    return d;
}

ph::Reply ok_reply() {
    ph::Reply ok;
    ok.delivered = true;
    ok.status = 200;
    return ok;
}

// The whole huge-message case once, every request answered 200: the size
// search runs under the sanitizers at least once per process.
void run_whole_once(const ph::ProviderInstance& instance, const ph::EventData& event) {
    (void)ph::run_exchange(instance, event, 0, 1714557600000, [](const ph::OutgoingRequest&) { return ok_reply(); });
}

World build_world() {
    World w;
    ph::RegistryOptions options;
    options.allow_insecure = true;  // build trees are group-writable on some machines
    w.registry = std::make_unique<ph::PluginRegistry>(options);
    if (!w.registry->load_file(kFuzzPluginFile)) {
        std::fprintf(stderr, "cannot load %s: %s\n", kFuzzPluginFile,
                     w.registry->refusals().empty() ? "?" : w.registry->refusals().back().reason.c_str());
        std::abort();
    }
    std::vector<fs::path> cases;
    for (auto& e : fs::directory_iterator(kFuzzTestdata))
        if (e.is_directory()) cases.push_back(e.path());
    std::sort(cases.begin(), cases.end());
    for (const auto& dir : cases) {
        try {
            auto settings = settings_from(nlohmann::json::parse(read_all(dir / "provider.json")));
            auto created = w.registry->create(settings);
            if (!created.instance) continue;
            std::string json = read_all(dir / "event.json");
            auto event = event_from(json, settings.uid);
            if (!event) continue;
            if (event->message.size() > kFuzzedMessageBytes) {
                run_whole_once(*created.instance, *event);
                event = event_from(json, settings.uid, kFuzzedMessageBytes);
            }
            w.scenarios.push_back({created.instance, std::move(*event)});
        } catch (const std::exception&) {
            continue;  // a case folder without the files: not a scenario
        }
    }
    if (w.scenarios.empty()) {
        std::fprintf(stderr, "no usable golden case under %s\n", kFuzzTestdata);
        std::abort();
    }
    return w;
}

World& world() {
    static World w = build_world();
    return w;
}

ph::Reply parse_reply(std::string_view record) {
    ph::Reply r;
    size_t eol = record.find('\n');
    std::string_view status = record.substr(0, eol);
    if (status == "X") {
        r.transport_error = "Connect: fuzzed transport failure";
        return r;
    }
    r.delivered = true;
    r.status = 0;
    for (char c : status.substr(0, 4))
        if (c >= '0' && c <= '9') r.status = r.status * 10 + (c - '0');
    std::string_view rest = eol == std::string_view::npos ? std::string_view() : record.substr(eol + 1);
    while (!rest.empty()) {
        size_t line_end = rest.find('\n');
        std::string_view line = rest.substr(0, line_end);
        rest = line_end == std::string_view::npos ? std::string_view() : rest.substr(line_end + 1);
        if (line.empty()) break;
        size_t colon = line.find(':');
        std::string_view name = line.substr(0, colon);
        std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        r.headers.emplace_back(std::string(name), std::string(value));
    }
    r.body = std::string(rest);
    return r;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    (void)world();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    World& w = world();
    const Scenario& scenario = w.scenarios[data[0] % w.scenarios.size()];
    std::vector<std::string_view> records;
    std::string_view rest = herald::fuzz::as_text(data + 1, size - 1);
    while (!rest.empty()) {
        size_t sep = rest.find('\x1e');
        records.push_back(rest.substr(0, sep));
        rest = sep == std::string_view::npos ? std::string_view() : rest.substr(sep + 1);
    }
    size_t next = 0;
    ph::Sender send = [&](const ph::OutgoingRequest&) {
        if (next < records.size()) return parse_reply(records[next++]);
        return ok_reply();
    };
    // A fresh clock each run, far apart, so the plugin's circuit breaker
    // (opened by repeated Internal outcomes) never hides later inputs.
    static int64_t now_ms = 1714557600000;
    now_ms += 10 * 60 * 1000;
    auto result = ph::run_exchange(*scenario.instance, scenario.event, 0, now_ms, send);
    if (result.outcome == ph::Outcome::Internal && std::getenv("HERALD_FUZZ_INTERNAL_IS_BUG"))
        herald::fuzz::property_failed(("plugin returned Internal: " + result.error).c_str());
    return 0;
}
