// `herald plugins [--json]`: what was loaded, what each type accepts, and
// which files were refused and why.
#include <herald/plugin_host/registry.hpp>

#include <nlohmann/json.hpp>

#include <sstream>

namespace herald::plugin_host {

namespace {

std::string_view kind_name(herald_field_kind kind) {
    switch (kind) {
        case HERALD_FIELD_STRING: return "string";
        case HERALD_FIELD_INT: return "int";
        case HERALD_FIELD_BOOL: return "bool";
        case HERALD_FIELD_DURATION: return "duration";
        case HERALD_FIELD_URL: return "url";
        case HERALD_FIELD_MAP: return "map";
        default: return "unknown";
    }
}

std::vector<std::string> type_flag_names(uint32_t flags) {
    std::vector<std::string> out;
    if (flags & HERALD_TYPE_COMMIT_STATUS) out.emplace_back("commit-status");
    if (flags & HERALD_TYPE_FORWARDS_ALL) out.emplace_back("forwards-all");
    if (flags & HERALD_TYPE_ORDERED) out.emplace_back("ordered");
    return out;
}

std::vector<std::string> field_flag_names(uint32_t flags) {
    std::vector<std::string> out;
    if (flags & HERALD_FIELD_REQUIRED) out.emplace_back("required");
    if (flags & HERALD_FIELD_SENSITIVE) out.emplace_back("sensitive");
    if (flags & HERALD_FIELD_DEPRECATED) out.emplace_back("deprecated");
    return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty()) out += sep;
        out += p;
    }
    return out;
}

std::string field_path(const FieldSchema& f) {
    return std::string((f.flags & HERALD_FIELD_SECRET) ? "secret." : "spec.") + f.name;
}

void describe_type(std::ostringstream& out, const TypeSchema& t) {
    out << "  type " << t.type;
    auto flags = type_flag_names(t.flags);
    if (!flags.empty()) out << " [" << join(flags, ", ") << "]";
    if (!t.summary.empty()) out << ": " << t.summary;
    out << "\n";
    for (const FieldSchema& f : t.fields) {
        auto fflags = field_flag_names(f.flags);
        fflags.insert(fflags.begin(), std::string(kind_name(f.kind)));
        out << "    " << field_path(f) << " (" << join(fflags, ", ") << ")";
        if (f.default_value) out << " default \"" << *f.default_value << "\"";
        if (!f.description.empty()) out << ": " << f.description;
        out << "\n";
    }
}

nlohmann::json field_json(const FieldSchema& f) {
    return nlohmann::json{{"name", f.name},
                          {"path", field_path(f)},
                          {"kind", kind_name(f.kind)},
                          {"secret", (f.flags & HERALD_FIELD_SECRET) != 0},
                          {"required", (f.flags & HERALD_FIELD_REQUIRED) != 0},
                          {"sensitive", (f.flags & HERALD_FIELD_SENSITIVE) != 0},
                          {"deprecated", (f.flags & HERALD_FIELD_DEPRECATED) != 0},
                          {"default", f.default_value ? nlohmann::json(*f.default_value) : nlohmann::json()},
                          {"description", f.description}};
}

}  // namespace

std::string PluginRegistry::describe_text() const {
    std::ostringstream out;
    if (plugins_.empty()) out << "no plugins loaded\n";
    for (const PluginInfo* p : plugins()) {
        out << p->id << " " << p->version << " (" << p->name << ") from " << p->file << "\n";
        if (!p->description.empty()) out << "  " << p->description << "\n";
        std::vector<std::string> about;
        if (!p->vendor.empty()) about.push_back("vendor " + p->vendor);
        if (!p->license.empty()) about.push_back("license " + p->license);
        if (!p->url.empty()) about.push_back(p->url);
        about.push_back("ABI " + std::to_string(p->abi_major) + "." + std::to_string(p->abi_minor));
        out << "  " << join(about, ", ") << "\n";
        for (const TypeSchema& t : p->types) describe_type(out, t);
    }
    if (!refusals_.empty()) out << "refused:\n";
    for (const Refusal& r : refusals_) out << "  " << r.file << ": " << r.reason << "\n";
    return out.str();
}

std::string PluginRegistry::describe_json() const {
    nlohmann::json plugins = nlohmann::json::array();
    for (const PluginInfo* p : this->plugins()) {
        nlohmann::json types = nlohmann::json::array();
        for (const TypeSchema& t : p->types) {
            nlohmann::json fields = nlohmann::json::array();
            for (const FieldSchema& f : t.fields) fields.push_back(field_json(f));
            types.push_back({{"type", t.type}, {"summary", t.summary}, {"flags", type_flag_names(t.flags)},
                             {"fields", fields}});
        }
        plugins.push_back({{"file", p->file},
                           {"id", p->id},
                           {"name", p->name},
                           {"version", p->version},
                           {"vendor", p->vendor},
                           {"url", p->url},
                           {"license", p->license},
                           {"description", p->description},
                           {"abi", std::to_string(p->abi_major) + "." + std::to_string(p->abi_minor)},
                           {"types", types}});
    }
    nlohmann::json refused = nlohmann::json::array();
    for (const Refusal& r : refusals_) refused.push_back({{"file", r.file}, {"reason", r.reason}});
    // Invalid UTF-8 from a plugin's strings must not make the command fail.
    return nlohmann::json{{"plugins", plugins}, {"refused", refused}}.dump(2, ' ', false,
                                                                          nlohmann::json::error_handler_t::replace);
}

}  // namespace herald::plugin_host
