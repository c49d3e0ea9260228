#include "runtime.hpp"

#include <herald/events/event.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <set>

namespace herald::app {

std::shared_ptr<const delivery::ProviderTarget> Runtime::target(const std::string& key) const {
    auto it = targets.find(key);
    return it == targets.end() ? nullptr : it->second;
}

plugin_host::ProviderSettings settings_for(const config::Provider& p) {
    plugin_host::ProviderSettings s;
    s.type = p.type;
    s.ns = p.ns;
    s.name = p.name;
    s.uid = p.uid;
    s.address = p.effective_address;
    s.channel = p.channel;
    s.username = p.effective_username;
    s.timeout_ms = p.timeout_ms;
    s.fields.assign(p.extra.begin(), p.extra.end());
    for (const auto& [k, v] : p.secret) {
        // Plugins get `headers` already parsed, as a JSON object of strings.
        if (k == "headers") {
            s.secrets.emplace_back(k, nlohmann::json(p.headers).dump());
            continue;
        }
        s.secrets.emplace_back(k, v);
    }
    return s;
}

namespace {

http::Route route_for(const config::Provider& p) {
    http::Route r;
    r.proxy_url = p.effective_proxy;
    if (!r.proxy_url.empty() && !p.proxy_username.empty()) {
        auto scheme_end = r.proxy_url.find("://");
        if (scheme_end != std::string::npos && r.proxy_url.find('@') == std::string::npos)
            r.proxy_url.insert(scheme_end + 3, p.proxy_username + ":" + p.proxy_password + "@");
    }
    r.tls.ca_pem = p.ca_pem;
    r.tls.client_cert_pem = p.client_cert_pem;
    r.tls.client_key_pem = p.client_key_pem;
    return r;
}

void add_plugin_diags(const config::Provider& p, const std::vector<plugin_host::Diag>& diags,
                      std::vector<config::Diagnostic>& out) {
    for (const auto& d : diags) {
        config::Diagnostic c;
        c.origin = p.origin;
        c.field = d.field;
        c.message = d.message;
        c.warning = d.level != plugin_host::Level::Error;
        out.push_back(std::move(c));
    }
}

}  // namespace

LoadedRuntime load_runtime(const RuntimeSource& source, const plugin_host::PluginRegistry& registry,
                           bool create_instances) {
    LoadedRuntime out;
    config::LoadOptions opts;
    opts.config_dir = source.config_dir;
    opts.secrets_dir = source.secrets_dir;
    opts.known_type = [&](std::string_view type) { return registry.serves(type); };
    config::LoadResult loaded = config::load(opts);
    out.problems = loaded.problems;
    bool ok = loaded.ok();

    // A Provider whose manifest already has errors is not shown to its plugin:
    // the plugin would only repeat them ("required" after "no address found").
    std::set<std::pair<std::string, int>> broken;
    for (const auto& d : loaded.problems)
        if (!d.warning) broken.emplace(d.origin.file, d.origin.document);

    auto rt = std::make_shared<Runtime>();
    rt->config = std::move(loaded.config);
    for (const auto& p : rt->config.providers) {
        if (!registry.serves(p.type)) continue;  // already reported by config::load
        if (broken.count({p.origin.file, p.origin.document})) continue;
        auto sensitive = config::sensitive_values(p);
        rt->secrets.insert(rt->secrets.end(), sensitive.begin(), sensitive.end());
        if (!create_instances) {
            auto diags = registry.validate(settings_for(p));
            add_plugin_diags(p, diags, out.problems);
            ok = ok && !plugin_host::has_errors(diags);
            continue;
        }
        auto created = registry.create(settings_for(p), sensitive);
        add_plugin_diags(p, created.diags, out.problems);
        if (!created.instance) {
            ok = false;
            continue;
        }
        auto t = std::make_shared<delivery::ProviderTarget>();
        t->key = p.key();
        t->ns = p.ns;
        t->name = p.name;
        t->type = p.type;
        t->instance = created.instance;
        t->route = route_for(p);
        t->timeout_ms = p.timeout_ms;
        t->ordered = created.instance->ordered();
        t->retry_for_ms = p.retry_for_ms.value_or(0);
        rt->targets.emplace(t->key, std::move(t));
    }
    if (!ok) return out;
    rt->router = std::make_unique<routing::Router>(rt->config, [&registry](const std::string& type) -> uint32_t {
        auto ref = registry.find(type);
        return ref && ref->info ? ref->info->flags : 0u;
    });
    out.runtime = std::move(rt);
    return out;
}

std::string format_problem(const config::Diagnostic& d) { return (d.warning ? "warning: " : "") + d.str(); }

std::filesystem::path default_plugins_dir() {
    if (const char* env = std::getenv("HERALD_PLUGINS"); env && *env) return env;
    char buf[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return "lib/herald/plugins";
    buf[n] = 0;
    std::error_code ec;
    auto dir = std::filesystem::path(buf).parent_path().parent_path() / "lib" / "herald" / "plugins";
    auto canonical = std::filesystem::weakly_canonical(dir, ec);
    return ec ? dir : canonical;
}

}  // namespace herald::app
