// `herald check`, `herald plugins` and the subcommand dispatcher.
#include "commands.hpp"

#include "cli.hpp"
#include "runtime.hpp"

#include <herald/log/log.hpp>
#include <herald/plugin_host/registry.hpp>

#include <iostream>

namespace herald::app {
namespace {

const char* kUsage =
    "usage: herald <command> [flags]\n"
    "\n"
    "herald receives Flux notification events and delivers them to chat services,\n"
    "webhooks and git commit statuses through provider plugins.\n"
    "\n"
    "commands:\n"
    "  serve     run the daemon: event intake, delivery, admin API\n"
    "  check     validate the manifests and secrets; print every problem; exit 0/1\n"
    "  plugins   list the provider plugins that load, and the files refused and why\n"
    "  plugin-check  check one plugin file against the plugin ABI (for plugin authors)\n"
    "  render    show which Alerts match an event and the requests it would cause\n"
    "  send      send one test notification to one Provider\n"
    "  deliveries  list, show and replay dead letters of a running daemon\n"
    "  version   print the version\n"
    "\n"
    "Run `herald <command> --help` for the flags of a command.\n";

const std::vector<FlagSpec> kCheckFlags = {
    {"config", true, "DIR", "directory of Provider/Alert/Secret manifests", ""},
    {"secrets", true, "DIR", "mounted secrets as DIR/<namespace>/<name>/<key>", ""},
    {"plugins", true, "DIR", "provider plugins directory", "<exe dir>/../lib/herald/plugins or $HERALD_PLUGINS"},
    {"allow-insecure-plugins", false, "", "load plugin files writable by group or others", ""},
    {"help", false, "", "show this help", ""},
};

const std::vector<FlagSpec> kPluginsFlags = {
    {"plugins", true, "DIR", "provider plugins directory", "<exe dir>/../lib/herald/plugins or $HERALD_PLUGINS"},
    {"json", false, "", "print JSON instead of text", ""},
    {"allow-insecure-plugins", false, "", "load plugin files writable by group or others", ""},
    {"help", false, "", "show this help", ""},
};

std::unique_ptr<plugin_host::PluginRegistry> load_plugins(const ParsedFlags& f) {
    plugin_host::RegistryOptions ro;
    ro.allow_insecure = f.has("allow-insecure-plugins");
    ro.host_version = HERALD_VERSION;
    auto registry = std::make_unique<plugin_host::PluginRegistry>(ro);
    registry->load_dir(f.has("plugins") ? std::filesystem::path(f.get("plugins")) : default_plugins_dir());
    return registry;
}

// Shared front of the simple subcommands: parse, or print help / the error.
std::optional<ParsedFlags> parse_or_help(const std::string& cmd, const std::vector<std::string>& args,
                                         const std::vector<FlagSpec>& specs, const std::string& usage,
                                         const std::string& summary, int& exit_code) {
    std::string error;
    auto flags = parse_flags(args, specs, error);
    if (!flags) {
        std::cerr << "herald " << cmd << ": " << error << "\n(see herald " << cmd << " --help)\n";
        exit_code = 2;
        return std::nullopt;
    }
    if (flags->has("help")) {
        std::cout << format_help(usage, summary, specs);
        exit_code = 0;
        return std::nullopt;
    }
    return flags;
}

}  // namespace

int run_check(const std::vector<std::string>& args) {
    int rc = 0;
    auto flags = parse_or_help("check", args, kCheckFlags, "herald check --config DIR [--secrets DIR] [--plugins DIR]",
                               "Validate manifests and secrets against the loaded plugins. Prints every problem as\n"
                               "file:document: field: message and exits 1 when there is an error.",
                               rc);
    if (!flags) return rc;
    if (!flags->has("config")) {
        std::cerr << "herald check: --config DIR is required\n";
        return 2;
    }
    auto registry = load_plugins(*flags);
    for (const auto& r : registry->refusals()) std::cerr << "warning: plugin " << r.file << " refused: " << r.reason << "\n";
    RuntimeSource source{flags->get("config"), std::nullopt};
    if (flags->has("secrets")) source.secrets_dir = flags->get("secrets");
    auto loaded = load_runtime(source, *registry, false);
    for (const auto& p : loaded.problems) std::cout << format_problem(p) << "\n";
    if (!loaded.ok()) {
        size_t errors = 0;
        for (const auto& p : loaded.problems) errors += p.warning ? 0 : 1;
        std::cout << "config invalid: " << errors << " error(s)\n";
        return 1;
    }
    std::cout << "config ok: " << loaded.runtime->config.providers.size() << " provider(s), "
              << loaded.runtime->config.alerts.size() << " alert(s)\n";
    return 0;
}

int run_plugins(const std::vector<std::string>& args) {
    int rc = 0;
    auto flags = parse_or_help("plugins", args, kPluginsFlags, "herald plugins [--plugins DIR] [--json]",
                               "List every plugin that loads (file, id, version, types) and every file refused, with why.\n"
                               "Exits 1 when a file was refused.",
                               rc);
    if (!flags) return rc;
    auto registry = load_plugins(*flags);
    std::cout << (flags->has("json") ? registry->describe_json() : registry->describe_text());
    return registry->refusals().empty() ? 0 : 1;
}

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::cout << kUsage;
        return args.empty() ? 2 : 0;
    }
    std::string cmd = args[0];
    args.erase(args.begin());
    if (cmd == "serve") return run_serve(args);
    if (cmd == "check") return run_check(args);
    if (cmd == "plugins") return run_plugins(args);
    if (cmd == "plugin-check") return run_plugin_check(args);
    if (cmd == "deliveries") return run_deliveries(args);
    if (cmd == "render") return run_render(args);
    if (cmd == "send") return run_send(args);
    if (cmd == "version" || cmd == "--version") {
        std::cout << "herald " << HERALD_VERSION << " (plugin ABI " << HERALD_ABI_MAJOR << "." << HERALD_ABI_MINOR << ")\n";
        return 0;
    }
    std::cerr << "herald: unknown command \"" << cmd << "\"\n\n" << kUsage;
    return 2;
}

}  // namespace herald::app
