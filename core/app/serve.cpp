// `herald serve`: load plugins and config, open the store, resume unfinished
// deliveries, start the intake and admin listeners, and run until SIGTERM or
// SIGINT (SIGHUP reloads the config).
#include "admin_api.hpp"
#include "cli.hpp"
#include "commands.hpp"
#include "pipeline.hpp"
#include "runtime.hpp"

#include <herald/admin/admin_server.hpp>
#include <herald/http/client.hpp>
#include <herald/intake/event_server.hpp>
#include <herald/log/log.hpp>

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

namespace herald::app {
namespace {

const std::vector<FlagSpec> kServeFlags = {
    {"config", true, "DIR", "directory of Provider/Alert/Secret manifests (*.yaml, *.yml)", ""},
    {"secrets", true, "DIR", "mounted secrets as DIR/<namespace>/<name>/<key>", ""},
    {"state", true, "DIR", "delivery store directory", "./herald-state"},
    {"plugins", true, "DIR", "provider plugins directory", "<exe dir>/../lib/herald/plugins or $HERALD_PLUGINS"},
    {"listen", true, "HOST:PORT", "event intake address", "127.0.0.1:9090"},
    {"admin", true, "HOST:PORT", "health, metrics and status API address", "127.0.0.1:8080"},
    {"workers", true, "N", "delivery worker threads", "32"},
    {"provider-concurrency", true, "N", "concurrent deliveries per Provider (ordered types: 1)", "16"},
    {"max-pending", true, "N", "unfinished deliveries above which intake answers 503", "100000"},
    {"retry-for", true, "DURATION", "retry budget of a delivery before it becomes a dead letter", "1h"},
    {"shutdown-grace", true, "DURATION", "time in-flight deliveries get to finish on SIGTERM", "10s"},
    {"retention", true, "DURATION", "how long delivered rows stay in the store", "24h"},
    {"duplicate-window", true, "DURATION", "window of the duplicate-event filter", "5m"},
    {"full-fsync", false, "", "fsync every store commit (survives power loss; slower)", ""},
    {"allow-insecure-plugins", false, "", "load plugin files writable by group or others", ""},
    {"watch-interval", true, "DURATION", "how often --config and --secrets are checked for changes (0 = only SIGHUP)", "2s"},
    {"egress-allow", true, "CIDR|HOST,...", "only these destinations (repeatable; also overrides the default deny)", ""},
    {"egress-deny", true, "CIDR|HOST,...", "never these destinations (repeatable); 169.254.0.0/16 and fd00:ec2::254 are denied unless allowed", ""},
    {"log-level", true, "LEVEL", "debug, info, warning or error; COMPONENT=LEVEL,... sets one component", "info"},
    {"log-format", true, "FORMAT", "text or json", "text"},
    {"help", false, "", "show this help", ""},
};

int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool parse_int(const std::string& text, int64_t& out) {
    try {
        size_t used = 0;
        out = std::stoll(text, &used);
        return used == text.size() && out > 0;
    } catch (const std::exception&) {
        return false;
    }
}

// A cheap fingerprint of every file under the config and secrets dirs (path,
// size, mtime). Kubernetes swaps mounted ConfigMaps and Secrets through a
// `..data` symlink, so symlinks are followed and hidden entries included.
std::string fingerprint(const RuntimeSource& source) {
    std::string out;
    auto walk = [&out](const std::filesystem::path& dir) {
        std::error_code ec;
        std::filesystem::recursive_directory_iterator it(
            dir, std::filesystem::directory_options::follow_directory_symlink, ec);
        for (; !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
            std::error_code fec;
            auto status = it->status(fec);
            if (fec || !std::filesystem::is_regular_file(status)) continue;
            auto size = std::filesystem::file_size(it->path(), fec);
            auto mtime = std::filesystem::last_write_time(it->path(), fec).time_since_epoch().count();
            out += it->path().string() + ":" + std::to_string(size) + ":" + std::to_string(mtime) + "\n";
        }
    };
    walk(source.config_dir);
    if (source.secrets_dir) walk(*source.secrets_dir);
    return out;
}

}  // namespace

// Applies --log-level and --log-format; false with a message on bad values.
bool apply_log_flags(const ParsedFlags& f, std::string& error) {
    std::string format = f.get("log-format", "text");
    if (format == "json") log::set_format(log::Format::Json);
    else if (format != "text") {
        error = "--log-format must be text or json";
        return false;
    }
    std::string levels = f.get("log-level", "info");
    size_t start = 0;
    while (start <= levels.size()) {
        size_t comma = levels.find(',', start);
        std::string part = levels.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        log::Level level;
        auto eq = part.find('=');
        if (!log::parse_level(eq == std::string::npos ? part : part.substr(eq + 1), level)) {
            error = "--log-level: unknown level in \"" + part + "\"";
            return false;
        }
        if (eq == std::string::npos) log::set_level(level);
        else log::set_component_level(part.substr(0, eq), level);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return true;
}

int run_serve(const std::vector<std::string>& args) {
    std::string error;
    auto flags = parse_flags(args, kServeFlags, error);
    if (!flags) {
        std::cerr << "herald serve: " << error << "\n(see herald serve --help)\n";
        return 2;
    }
    if (flags->has("help")) {
        std::cout << format_help("herald serve --config DIR [flags]",
                                 "Receive Flux events and deliver them to the configured Providers.", kServeFlags);
        return 0;
    }
    if (!flags->has("config")) {
        std::cerr << "herald serve: --config DIR is required\n";
        return 2;
    }
    if (!apply_log_flags(*flags, error)) {
        std::cerr << "herald serve: " << error << "\n";
        return 2;
    }
    int64_t workers = 32, per_provider = 16, max_pending = 100000;
    auto retry_for = parse_duration_ms(flags->get("retry-for", "1h"));
    auto grace = parse_duration_ms(flags->get("shutdown-grace", "10s"));
    auto retention = parse_duration_ms(flags->get("retention", "24h"));
    auto window = parse_duration_ms(flags->get("duplicate-window", "5m"));
    auto watch = flags->get("watch-interval", "2s") == "0" ? std::optional<int64_t>(0)
                                                          : parse_duration_ms(flags->get("watch-interval", "2s"));
    if (!parse_int(flags->get("workers", "32"), workers) || !parse_int(flags->get("max-pending", "100000"), max_pending) ||
        !parse_int(flags->get("provider-concurrency", "16"), per_provider) || !retry_for || !grace || !retention ||
        !window || !watch) {
        std::cerr << "herald serve: bad numeric or duration flag (durations look like 500ms, 10s, 5m, 1h)\n";
        return 2;
    }

    // Signals are taken synchronously by this thread; block them before any
    // other thread starts so none of those gets them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    std::filesystem::path plugins_dir = flags->has("plugins") ? std::filesystem::path(flags->get("plugins")) : default_plugins_dir();
    plugin_host::RegistryOptions ro;
    ro.allow_insecure = flags->has("allow-insecure-plugins");
    ro.host_version = HERALD_VERSION;
    ro.log = [](plugin_host::Level level, std::string_view id, std::string_view text) {
        log::write(log::Level(int(level)), "plugin", text, {{"plugin", id}});
    };
    plugin_host::PluginRegistry registry(ro);
    size_t loaded = registry.load_dir(plugins_dir);
    for (const auto& r : registry.refusals())
        log::error("plugin_host", "plugin refused", {{"file", r.file}, {"reason", r.reason}});
    log::info("plugin_host", "plugins loaded", {{"dir", plugins_dir.string()}, {"count", std::to_string(loaded)}});

    RuntimeSource source{flags->get("config"), std::nullopt};
    if (flags->has("secrets")) source.secrets_dir = flags->get("secrets");
    auto first = load_runtime(source, registry, true);
    for (const auto& p : first.problems) std::cerr << format_problem(p) << "\n";
    if (!first.ok()) {
        std::cerr << "herald serve: the configuration is invalid; nothing started\n";
        return 1;
    }
    log::set_secrets(first.runtime->secrets);

    std::shared_ptr<const Runtime> current = first.runtime;
    std::mutex current_mutex;
    auto runtime = [&]() {
        std::lock_guard lock(current_mutex);
        return current;
    };

    delivery::StoreOptions so;
    so.dir = flags->get("state", "./herald-state");
    so.full_fsync = flags->has("full-fsync");
    so.retention = std::chrono::milliseconds(*retention);
    auto store = delivery::DeliveryStore::open(so, error);
    if (!store) {
        std::cerr << "herald serve: cannot open the store in " << so.dir << ": " << error << "\n";
        return 1;
    }

    std::string egress_error;
    auto egress = http::EgressPolicy::parse(flags->get_all("egress-allow"), flags->get_all("egress-deny"), egress_error);
    if (!egress) {
        std::cerr << "herald serve: " << egress_error << "\n";
        return 2;
    }

    admin::Registry metrics;
    http::ClientOptions client_options;
    client_options.egress = *egress;
    http::Client client(client_options);
    delivery::EngineOptions eo;
    eo.workers = int(workers);
    eo.per_provider_limit = int(per_provider);
    eo.retry_for_ms = *retry_for;
    delivery::Engine engine(eo, *store, client, metrics,
                            [&](const std::string& key) { return runtime()->target(key); });
    engine.start();
    // Deliveries a crash or a stop interrupted go out again: at least once, so a
    // receiver may see one twice; the counter says how many could have.
    size_t resumed = submit_stored(store->load_unfinished(), *store, engine);
    metrics
        .counter("herald_deliveries_resumed_total",
                 "Unfinished deliveries queued again at startup (possible duplicates at receivers).")
        .inc(resumed);
    if (resumed) log::info("delivery", "resumed unfinished deliveries", {{"count", std::to_string(resumed)}});

    ServeState state;
    PipelineOptions po;
    po.max_pending = max_pending;
    po.duplicate_window_ms = *window;
    Pipeline pipeline(po, runtime, *store, engine, metrics);
    AdminApi api(runtime, *store, engine, metrics, registry, state);
    auto& reloads_ok = metrics.counter("herald_config_reloads_total", "Config reloads by result.", {{"result", "success"}});
    auto& reloads_failed = metrics.counter("herald_config_reloads_total", "Config reloads by result.", {{"result", "failure"}});

    std::unique_ptr<intake::EventServer> intake_server;
    std::unique_ptr<admin::AdminServer> admin_server;
    try {
        intake::ServerOptions io;
        io.listen = flags->get("listen", "127.0.0.1:9090");
        intake_server = std::make_unique<intake::EventServer>(io, pipeline);
        admin_server = std::make_unique<admin::AdminServer>(
            flags->get("admin", "127.0.0.1:8080"), [&api](const admin::AdminRequest& r) { return api.handle(r); });
    } catch (const std::exception& e) {
        std::cerr << "herald serve: cannot listen: " << e.what() << "\n";
        engine.stop(0);
        return 1;
    }
    intake_server->start();
    admin_server->start();
    state.intake_up = true;
    log::info("app", "herald started",
              {{"version", HERALD_VERSION}, {"listen", flags->get("listen", "127.0.0.1:9090")},
               {"admin", flags->get("admin", "127.0.0.1:8080")},
               {"intake_port", std::to_string(intake_server->port())},
               {"admin_port", std::to_string(admin_server->port())},
               {"providers", std::to_string(first.runtime->config.providers.size())},
               {"alerts", std::to_string(first.runtime->config.alerts.size())}});

    int64_t last_prune = now_ms();
    std::string seen = *watch ? fingerprint(source) : "";
    for (;;) {
        int64_t wait_ms = *watch ? *watch : 30000;
        timespec timeout{time_t(wait_ms / 1000), long(wait_ms % 1000) * 1000000L};
        int sig = sigtimedwait(&signals, nullptr, &timeout);
        bool changed = false;
        if (sig < 0 && *watch) {
            std::string now_seen = fingerprint(source);
            changed = now_seen != seen;
            seen = std::move(now_seen);
        }
        if (sig == SIGHUP || changed) {
            log::info("app", "reloading config", {{"trigger", sig == SIGHUP ? "SIGHUP" : "files changed"}});
            auto next = load_runtime(source, registry, true);
            if (!next.ok()) {
                std::string text;
                for (const auto& p : next.problems)
                    if (!p.warning) text += (text.empty() ? "" : "; ") + p.str();
                log::error("app", "config reload refused, the previous config keeps serving", {{"problems", text}});
                reloads_failed.inc();
                std::lock_guard lock(state.mutex);
                state.last_reload_error = text;
                continue;
            }
            {
                // Exchanges still running on the old instances keep their
                // secrets masked: mask the old values along with the new.
                auto secrets = next.runtime->secrets;
                auto previous = runtime()->secrets;
                secrets.insert(secrets.end(), previous.begin(), previous.end());
                log::set_secrets(std::move(secrets));
            }
            {
                std::lock_guard lock(current_mutex);
                current = next.runtime;
            }
            {
                std::lock_guard lock(state.mutex);
                state.last_reload_error.clear();
            }
            reloads_ok.inc();
            log::info("app", "config reloaded", {{"providers", std::to_string(next.runtime->config.providers.size())}});
            continue;
        }
        if (sig == SIGINT || sig == SIGTERM) {
            log::info("app", "stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
            break;
        }
        if (now_ms() - last_prune > 60000) {
            size_t n = store->prune(now_ms());
            if (n) log::debug("delivery", "pruned delivered rows", {{"count", std::to_string(n)}});
            last_prune = now_ms();
        }
    }

    state.stopping = true;
    pipeline.close();  // new events get 503 while in-flight ones finish
    if (!engine.drain(*grace)) {
        // The grace is over and some exchanges still wait for their receiver
        // (up to the Provider timeout). They are abandoned: their deliveries
        // are still Pending in the store and are sent again on the next start
        // (at least once). Waiting for them would ignore --shutdown-grace.
        store->flush();
        log::warning("app", "shutdown grace over, abandoning in-flight deliveries",
                     {{"pending", std::to_string(store->counts().pending)}});
        log::info("app", "stopped", {{"pending", std::to_string(store->counts().pending)}});
        std::fflush(stderr);
        std::_Exit(0);
    }
    engine.stop(0);
    intake_server->stop();
    admin_server->stop();
    store->flush();
    {
        // Instances go before their plugins' deinit; the libraries stay mapped.
        std::lock_guard lock(current_mutex);
        current.reset();
    }
    first.runtime.reset();
    registry.deinit_all();
    log::info("app", "stopped", {{"pending", std::to_string(store->counts().pending)}});
    return 0;
}

}  // namespace herald::app
