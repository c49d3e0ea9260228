#include "schema_check.hpp"

#include "loaded_plugin.hpp"

#include <herald/plugin_host/masking.hpp>
#include <herald/sdk.hpp>

#include <algorithm>

namespace herald::plugin_host {

namespace {

herald_str hstr(const std::string& s) { return herald_str{s.c_str(), s.size()}; }

bool is_int(std::string_view v) {
    if (!v.empty() && (v[0] == '+' || v[0] == '-')) v.remove_prefix(1);
    if (v.empty()) return false;
    return std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Go's strconv.ParseBool spellings.
bool is_bool(std::string_view v) {
    static const char* const spellings[] = {"1", "t", "T", "TRUE", "true", "True",
                                            "0", "f", "F", "FALSE", "false", "False"};
    return std::any_of(std::begin(spellings), std::end(spellings), [&](const char* s) { return v == s; });
}

// Flux's duration pattern ^([0-9]+(\.[0-9]+)?(ms|s|m))+$ (no hours).
bool is_duration(std::string_view v) {
    if (v.empty()) return false;
    size_t i = 0;
    auto digits = [&] {
        size_t start = i;
        while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
        return i > start;
    };
    while (i < v.size()) {
        if (!digits()) return false;
        if (i < v.size() && v[i] == '.') {
            ++i;
            if (!digits()) return false;
        }
        if (v.substr(i, 2) == "ms") i += 2;
        else if (i < v.size() && (v[i] == 's' || v[i] == 'm')) ++i;
        else return false;
    }
    return true;
}

bool is_url(std::string_view v) { return herald::sdk::parse_url(v).has_value(); }

std::string field_path(const herald_field_info& f) {
    return std::string((f.flags & HERALD_FIELD_SECRET) ? "secret." : "spec.") + f.name;
}

const std::string* find_value(const std::vector<std::pair<std::string, std::string>>& kv, std::string_view key) {
    for (const auto& [k, v] : kv)
        if (k == key) return &v;
    return nullptr;
}

// The value a field has in `settings`, or nullptr when it is not set.
const std::string* value_of(const herald_field_info& f, const ProviderSettings& s) {
    if (f.flags & HERALD_FIELD_SECRET) return find_value(s.secrets, f.name);
    std::string_view name = f.name;
    const std::string* v = nullptr;
    if (name == "address") v = &s.address;
    else if (name == "channel") v = &s.channel;
    else if (name == "username") v = &s.username;
    else v = find_value(s.fields, name);
    return (v && !v->empty()) ? v : nullptr;
}

std::optional<std::string> kind_problem(const herald_field_info& f, const std::string& value) {
    const bool secret = (f.flags & (HERALD_FIELD_SECRET | HERALD_FIELD_SENSITIVE)) != 0;
    auto got = [&] { return secret ? std::string() : ", got \"" + value + "\""; };
    switch (f.kind) {
        case HERALD_FIELD_INT:
            if (!is_int(value)) return "must be an integer" + got();
            break;
        case HERALD_FIELD_BOOL:
            if (!is_bool(value)) return "must be true or false" + got();
            break;
        case HERALD_FIELD_DURATION:
            if (!is_duration(value)) return "must be a duration such as 30s, 1.5m or 500ms" + got();
            break;
        case HERALD_FIELD_URL:
            if (!is_url(value)) return "must be an absolute http:// or https:// URL" + got();
            break;
        default:
            break;
    }
    return std::nullopt;
}

bool is_named_member(std::string_view name) { return name == "address" || name == "channel" || name == "username"; }

const herald_field_info* spec_field(const herald_type_info& type, std::string_view name) {
    for (size_t i = 0; i < type.field_count; ++i) {
        const herald_field_info& f = table_at(type.fields, i);
        if (!(f.flags & HERALD_FIELD_SECRET) && name == f.name) return &f;
    }
    return nullptr;
}

}  // namespace

std::vector<Diag> check_schema(const herald_type_info& type, const ProviderSettings& settings) {
    std::vector<Diag> diags;
    for (size_t i = 0; i < type.field_count; ++i) {
        const herald_field_info& f = table_at(type.fields, i);
        const std::string* value = value_of(f, settings);
        if (!value) {
            if (f.flags & HERALD_FIELD_REQUIRED) diags.push_back({Level::Error, field_path(f), "required"});
            continue;
        }
        if (auto problem = kind_problem(f, *value)) diags.push_back({Level::Error, field_path(f), *problem});
        if (f.flags & HERALD_FIELD_DEPRECATED)
            diags.push_back({Level::Warning, field_path(f), "deprecated; still accepted"});
    }
    for (const auto& [name, value] : settings.fields) {
        if (!spec_field(type, name))
            diags.push_back({Level::Warning, "spec." + name,
                             "unknown field for type \"" + std::string(type.type) + "\"; ignored"});
    }
    return diags;
}

std::vector<std::string> sensitive_values(const herald_type_info& type, const ProviderSettings& settings) {
    std::vector<std::string> out;
    for (const auto& kv : settings.secrets) out.push_back(kv.second);
    for (size_t i = 0; i < type.field_count; ++i) {
        const herald_field_info& f = table_at(type.fields, i);
        if (!(f.flags & HERALD_FIELD_SENSITIVE) || (f.flags & HERALD_FIELD_SECRET)) continue;
        if (const std::string* v = value_of(f, settings)) out.push_back(*v);
    }
    return normalise_secrets(std::move(out));
}

ConfigBlock::ConfigBlock(const herald_type_info& type, const ProviderSettings& s) {
    for (const auto& [name, value] : s.fields) {
        const herald_field_info* f = spec_field(type, name);
        if (!f || is_named_member(name)) continue;
        uint32_t flags = (f->flags & HERALD_FIELD_SENSITIVE) ? HERALD_KV_SENSITIVE : 0u;
        fields_.push_back(herald_kv{hstr(name), hstr(value), flags});
    }
    for (const auto& [key, value] : s.secrets) secrets_.push_back(herald_kv{hstr(key), hstr(value), HERALD_KV_SENSITIVE});
    config_.struct_size = sizeof(herald_provider_config);
    config_.type = hstr(s.type);
    config_.ns = hstr(s.ns);
    config_.name = hstr(s.name);
    config_.uid = hstr(s.uid);
    config_.address = hstr(s.address);
    config_.channel = hstr(s.channel);
    config_.username = hstr(s.username);
    config_.timeout_ms = s.timeout_ms ? s.timeout_ms : 15000;
    config_.fields = fields_.empty() ? nullptr : fields_.data();
    config_.field_count = fields_.size();
    config_.secrets = secrets_.empty() ? nullptr : secrets_.data();
    config_.secret_count = secrets_.size();
}

DiagCollector::DiagCollector(std::vector<Diag>& out, const std::vector<std::string>& secrets)
    : out_(out), secrets_(secrets) {
    diag_.struct_size = sizeof(herald_diag);
    diag_.ctx = this;
    diag_.report = &DiagCollector::report;
}

void DiagCollector::report(void* ctx, herald_level level, herald_str field, herald_str text) {
    auto* self = static_cast<DiagCollector*>(ctx);
    if (!self) return;
    try {
        Level lvl = static_cast<Level>(std::clamp<herald_level>(level, HERALD_LEVEL_DEBUG, HERALD_LEVEL_ERROR));
        self->out_.push_back(Diag{lvl, mask_secrets(herald::sdk::view(field), self->secrets_),
                                  mask_secrets(herald::sdk::view(text), self->secrets_)});
    } catch (...) {
        // Out of memory while copying a diagnostic: drop it rather than unwind into the plugin.
    }
}

}  // namespace herald::plugin_host
