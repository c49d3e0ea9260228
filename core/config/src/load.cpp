// load(): documents -> objects -> secrets resolved -> references checked.
#include "loader.hpp"

namespace herald::config {
namespace detail {
namespace {

constexpr std::string_view kNotificationGroup = "notification.toolkit.fluxcd.io/";

bool is_notification_version(std::string_view api_version) {
    return api_version == "notification.toolkit.fluxcd.io/v1beta1" ||
           api_version == "notification.toolkit.fluxcd.io/v1beta2" ||
           api_version == "notification.toolkit.fluxcd.io/v1beta3";
}

// A retry budget: the Flux duration syntax, or whole hours ("2h"), since
// budgets are often hours long.
std::optional<uint32_t> parse_budget_ms(const std::string& text) {
    if (text.size() > 1 && text.back() == 'h' &&
        text.find_first_not_of("0123456789") == text.size() - 1) {
        uint64_t hours = std::stoull(text.substr(0, text.size() - 1));
        if (hours == 0 || hours > 1000) return std::nullopt;
        return uint32_t(hours * 3600 * 1000);
    }
    return parse_timeout_ms(text);
}

struct ObjectMeta {
    std::string ns = "default";
    std::string name;
    std::string uid;
    std::map<std::string, std::string> annotations;
};

// metadata: name (required), namespace, uid. Server-side fields such as
// resourceVersion are accepted and ignored, so `kubectl get -o yaml` output loads.
std::optional<ObjectMeta> read_metadata(MapReader& top) {
    auto node = top.take("metadata");
    if (!node) {
        top.report().error(top.origin(), "metadata.name", "is required");
        return std::nullopt;
    }
    MapReader meta(*node, "metadata", top.origin(), top.report());
    if (!meta.is_map()) {
        top.report().error(top.origin(), "metadata", "must be a map");
        return std::nullopt;
    }
    ObjectMeta out;
    bool ok = true;
    out.name = meta.take_string("name").value_or("");
    if (out.name.empty()) {
        top.report().error(top.origin(), "metadata.name", "is required");
        ok = false;
    } else if (!is_dns1123_subdomain(out.name)) {
        top.report().error(top.origin(), "metadata.name",
                           "\"" + out.name +
                               "\" is not a valid name (lowercase letters, digits, '-' and '.', at most 253)");
        ok = false;
    }
    if (auto ns = meta.take_string("namespace"); ns && !ns->empty()) {
        out.ns = *ns;
        if (!is_dns1123_label(out.ns)) {
            top.report().error(top.origin(), "metadata.namespace",
                               "\"" + out.ns + "\" is not a valid namespace (lowercase letters, digits, '-', at most 63)");
            ok = false;
        }
    }
    out.uid = meta.take_string("uid").value_or("");
    meta.take_string_map("labels");
    out.annotations = meta.take_string_map("annotations").value_or(std::map<std::string, std::string>{});
    if (!ok) return std::nullopt;
    return out;
}

class ConfigBuilder {
public:
    ConfigBuilder(const LoadOptions& options, Reporter& report) : options_(options), report_(report) {}

    void add(const Document& doc);
    Config finish();

private:
    bool claim(const std::string& kind, const ObjectMeta& meta, const Origin& origin);

    const LoadOptions& options_;
    Reporter& report_;
    std::map<std::string, Origin> defined_;  // "Kind ns/name" -> first origin
    SecretStore secrets_;
    Config config_;
};

// The first definition wins; a later one is an error that points at it.
bool ConfigBuilder::claim(const std::string& kind, const ObjectMeta& meta, const Origin& origin) {
    auto [it, inserted] = defined_.emplace(kind + " " + meta.ns + "/" + meta.name, origin);
    if (inserted) return true;
    report_.error(origin, "metadata.name",
                  kind + " " + meta.ns + "/" + meta.name + " is already defined at " + it->second.file + ":" +
                      std::to_string(it->second.document));
    return false;
}

void ConfigBuilder::add(const Document& doc) {
    const Origin& origin = doc.origin;
    MapReader top(doc.node, "", origin, report_);
    if (!top.is_map()) {
        report_.error(origin, "", "document must be a YAML map (a Kubernetes object)");
        return;
    }
    auto api_version = top.take_string("apiVersion").value_or("");
    auto kind = top.take_string("kind").value_or("");
    if (api_version.empty() || kind.empty()) {
        report_.error(origin, api_version.empty() ? "apiVersion" : "kind", "is required");
        return;
    }
    bool notification = is_notification_version(api_version) && (kind == "Provider" || kind == "Alert");
    bool secret = kind == "Secret" && api_version == "v1";
    if (!notification && !secret) {
        report_.error(origin, "kind",
                      "unsupported kind/apiVersion \"" + kind + "\"/\"" + api_version +
                          "\" (supported: Provider and Alert " + std::string(kNotificationGroup) +
                          "v1beta1|v1beta2|v1beta3, Secret v1)");
        return;
    }
    auto meta = read_metadata(top);
    if (!meta || !claim(kind, *meta, origin)) return;
    top.take("status");  // written by a controller; meaningless here

    if (secret) {
        auto data = parse_secret_fields(top);
        top.warn_unknown();
        secrets_[meta->ns + "/" + meta->name] = StoredSecret{origin, std::move(data)};
        return;
    }
    auto spec = top.take("spec");
    top.warn_unknown();
    if (!spec) {
        report_.error(origin, "spec", "is required");
        return;
    }
    if (kind == "Provider") {
        Provider p;
        p.origin = origin;
        p.api_version = api_version;
        p.ns = meta->ns;
        p.name = meta->name;
        p.uid = meta->uid.empty() ? derive_uid(p.ns, p.name) : meta->uid;
        p.uid_derived = meta->uid.empty();
        if (auto it = meta->annotations.find(std::string(kRetryForAnnotation)); it != meta->annotations.end()) {
            p.retry_for_ms = parse_budget_ms(it->second);
            if (!p.retry_for_ms)
                report_.error(origin, "metadata.annotations." + std::string(kRetryForAnnotation),
                              "\"" + it->second + "\" is not a duration like 90s, 30m or 2h");
        }
        // Kept even when a field is wrong, so Alerts naming it do not add
        // "provider not found" noise to the real error.
        config_.providers.push_back(parse_provider(*spec, std::move(p), origin, report_));
        return;
    }
    Alert a;
    a.origin = origin;
    a.api_version = api_version;
    a.ns = meta->ns;
    a.name = meta->name;
    config_.alerts.push_back(parse_alert(*spec, std::move(a), origin, report_));
}

Config ConfigBuilder::finish() {
    if (options_.secrets_dir) read_mounted_secrets(*options_.secrets_dir, secrets_, report_);
    for (auto& provider : config_.providers) resolve_provider(provider, secrets_, options_, report_);
    for (const auto& alert : config_.alerts) {
        if (alert.provider_ref.empty() || config_.find_provider(alert.ns, alert.provider_ref)) continue;
        report_.error(alert.origin, "spec.providerRef.name",
                      "provider \"" + alert.provider_ref + "\" not found in namespace \"" + alert.ns + "\"");
    }
    return std::move(config_);
}

}  // namespace
}  // namespace detail

LoadResult load(const LoadOptions& options) {
    LoadResult result;
    detail::Reporter report(result.problems);
    detail::ConfigBuilder builder(options, report);
    std::vector<detail::Document> docs;
    if (options.manifest_texts.empty())
        docs = detail::read_manifests(options.config_dir, report);
    else
        for (const auto& [name, text] : options.manifest_texts) detail::read_manifest_text(name, text, docs, report);
    for (const auto& doc : docs) builder.add(doc);
    result.config = builder.finish();
    return result;
}

}  // namespace herald::config
