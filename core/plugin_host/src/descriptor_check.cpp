#include "descriptor_check.hpp"

#include "loaded_plugin.hpp"

#include <cstddef>
#include <cstring>
#include <set>
#include <utility>

namespace herald::plugin_host {

namespace {

// Far beyond any real table; guards against garbage counts and sizes.
constexpr size_t kMaxTypes = 256;
constexpr size_t kMaxFields = 256;
constexpr uint32_t kMaxStructSize = 4096;

// The smallest structs the host accepts, frozen at ABI 1.0: members a later
// minor appends are read only under HERALD_HAS_FIELD, so a plugin built
// against an older minor keeps loading. (get_extension, the descriptor's last
// 1.0 member, is optional and never required.)
constexpr size_t kMinPluginSize = offsetof(herald_plugin, step) + sizeof(herald_plugin::step);
constexpr size_t kMinTypeSize = offsetof(herald_type_info, field_count) + sizeof(herald_type_info::field_count);
constexpr size_t kMinFieldSize = offsetof(herald_field_info, description) + sizeof(herald_field_info::description);

bool non_empty(const char* s) { return s && *s; }
std::string text(const char* s) { return s ? std::string(s) : std::string(); }

bool valid_field_name(std::string_view name) {
    if (name.empty()) return false;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                  c == '.';
        if (!ok) return false;
    }
    return true;
}

std::optional<std::string> check_fields(const herald_type_info& t, bool plugin_is_newer) {
    const std::string where = "type \"" + std::string(t.type) + "\": ";
    if (t.field_count == 0) return std::nullopt;
    if (!t.fields) return where + "field_count is " + std::to_string(t.field_count) + " but fields is NULL";
    if (t.field_count > kMaxFields) return where + "too many fields (" + std::to_string(t.field_count) + ")";
    const uint32_t stride = t.fields[0].struct_size;
    if (stride < kMinFieldSize || stride > kMaxStructSize)
        return where + "field struct_size " + std::to_string(stride) + " is not plausible";
    std::set<std::pair<std::string, bool>> seen;
    for (size_t i = 0; i < t.field_count; ++i) {
        const herald_field_info& f = table_at(t.fields, i);
        if (f.struct_size != stride) return where + "field " + std::to_string(i) + " has a different struct_size";
        if (!f.name || !valid_field_name(f.name))
            return where + "field " + std::to_string(i) + " has an empty or invalid name";
        if (f.kind < 0 || (!plugin_is_newer && f.kind > HERALD_FIELD_MAP))
            return where + "field \"" + f.name + "\" has unknown kind " + std::to_string(f.kind);
        bool secret = (f.flags & HERALD_FIELD_SECRET) != 0;
        if (!seen.emplace(f.name, secret).second)
            return where + (secret ? "secret key \"" : "field \"") + f.name + "\" is declared twice";
    }
    return std::nullopt;
}

std::optional<std::string> check_types(const herald_plugin& d) {
    if (d.type_count == 0 || !d.types) return std::string("serves no types");
    if (d.type_count > kMaxTypes) return "too many types (" + std::to_string(d.type_count) + ")";
    const uint32_t stride = d.types[0].struct_size;
    if (stride < kMinTypeSize || stride > kMaxStructSize)
        return "type struct_size " + std::to_string(stride) + " is not plausible";
    const bool plugin_is_newer = d.abi_minor > HERALD_ABI_MINOR;
    std::set<std::string> seen;
    for (size_t i = 0; i < d.type_count; ++i) {
        const herald_type_info& t = table_at(d.types, i);
        if (t.struct_size != stride) return "type " + std::to_string(i) + " has a different struct_size";
        if (!t.type || !valid_type_name(t.type))
            return "type name \"" + text(t.type) + "\" does not match ^[a-z0-9][a-z0-9-]*$";
        if (!seen.insert(t.type).second) return "type \"" + std::string(t.type) + "\" is declared twice";
        if (auto bad = check_fields(t, plugin_is_newer)) return bad;
    }
    return std::nullopt;
}

}  // namespace

bool valid_type_name(std::string_view name) {
    if (name.empty()) return false;
    for (size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i > 0);
        if (!ok) return false;
    }
    return true;
}

std::optional<std::string> check_descriptor(const herald_plugin& d) {
    if (d.abi_major != HERALD_ABI_MAJOR)
        return "built for ABI major " + std::to_string(d.abi_major) + ", this herald speaks " +
               std::to_string(HERALD_ABI_MAJOR);
    if (d.struct_size < kMinPluginSize)
        return "descriptor struct_size " + std::to_string(d.struct_size) + " is smaller than ABI 1.0's minimum " +
               std::to_string(kMinPluginSize);
    if (!d.init || !d.create || !d.destroy || !d.step) {
        const char* missing = !d.init ? "init" : !d.create ? "create" : !d.destroy ? "destroy" : "step";
        return std::string("descriptor has no ") + missing + " function";
    }
    if (!non_empty(d.id)) return std::string("descriptor has an empty id");
    if (!non_empty(d.name)) return std::string("descriptor has an empty name");
    if (!non_empty(d.version)) return std::string("descriptor has an empty version");
    return check_types(d);
}

PluginInfo describe_descriptor(const herald_plugin& d, std::string file) {
    PluginInfo info;
    info.file = std::move(file);
    info.id = text(d.id);
    info.name = text(d.name);
    info.version = text(d.version);
    info.vendor = text(d.vendor);
    info.url = text(d.url);
    info.license = text(d.license);
    info.description = text(d.description);
    info.abi_major = d.abi_major;
    info.abi_minor = d.abi_minor;
    for (size_t i = 0; i < d.type_count; ++i) {
        const herald_type_info& t = table_at(d.types, i);
        TypeSchema ts{text(t.type), text(t.summary), t.flags, {}};
        for (size_t j = 0; j < t.field_count; ++j) {
            const herald_field_info& f = table_at(t.fields, j);
            FieldSchema fs{text(f.name), f.kind, f.flags, std::nullopt, text(f.description)};
            if (f.default_value) fs.default_value = f.default_value;
            ts.fields.push_back(std::move(fs));
        }
        info.types.push_back(std::move(ts));
    }
    return info;
}

}  // namespace herald::plugin_host
