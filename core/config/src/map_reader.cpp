// Typed access to the fields of a YAML map, with field paths in every message.
#include "loader.hpp"

namespace herald::config::detail {

MapReader::MapReader(const YAML::Node& node, std::string path, const Origin& origin, Reporter& report)
    : path_(std::move(path)), origin_(origin), report_(report) {
    if (!node.IsMap()) return;
    is_map_ = true;
    std::set<std::string, std::less<>> keys;
    for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
            report_.error(origin_, path_, "map keys must be strings");
            continue;
        }
        const std::string& key = kv.first.Scalar();
        // yaml-cpp keeps duplicate keys silently; Kubernetes refuses them.
        if (!keys.insert(key).second) {
            report_.error(origin_, field(key), "duplicate key");
            continue;
        }
        entries_.emplace_back(key, kv.second);
    }
}

std::string MapReader::field(std::string_view key) const {
    std::string out = path_;
    if (!out.empty()) out += '.';
    out.append(key);
    return out;
}

std::optional<YAML::Node> MapReader::take(std::string_view key) {
    for (const auto& [k, v] : entries_) {
        if (k != key) continue;
        used_.insert(k);
        if (v.IsNull()) return std::nullopt;
        return v;
    }
    return std::nullopt;
}

std::optional<std::string> MapReader::take_string(std::string_view key) {
    auto node = take(key);
    if (!node) return std::nullopt;
    if (!node->IsScalar()) {
        report_.error(origin_, field(key), "must be a string");
        return std::nullopt;
    }
    return node->Scalar();
}

std::optional<bool> MapReader::take_bool(std::string_view key) {
    auto node = take(key);
    if (!node) return std::nullopt;
    bool value = false;
    if (!node->IsScalar() || !YAML::convert<bool>::decode(*node, value)) {
        report_.error(origin_, field(key), "must be true or false");
        return std::nullopt;
    }
    return value;
}

std::optional<std::map<std::string, std::string>> MapReader::take_string_map(std::string_view key) {
    auto node = take(key);
    if (!node) return std::nullopt;
    std::map<std::string, std::string> out;
    if (auto why = to_string_map(*node, out)) {
        report_.error(origin_, field(key), *why);
        return std::nullopt;
    }
    return out;
}

std::optional<std::vector<std::string>> MapReader::take_string_list(std::string_view key) {
    auto node = take(key);
    if (!node) return std::nullopt;
    if (!node->IsSequence()) {
        report_.error(origin_, field(key), "must be a list of strings");
        return std::nullopt;
    }
    std::vector<std::string> out;
    bool ok = true;
    for (size_t i = 0; i < node->size(); ++i) {
        const auto& item = (*node)[i];
        if (!item.IsScalar()) {
            report_.error(origin_, field(key) + "[" + std::to_string(i) + "]", "must be a string");
            ok = false;
            continue;
        }
        out.push_back(item.Scalar());
    }
    if (!ok) return std::nullopt;
    return out;
}

std::optional<std::string> MapReader::take_name_ref(std::string_view key) {
    auto node = take(key);
    if (!node) return std::nullopt;
    MapReader ref(*node, field(key), origin_, report_);
    if (!ref.is_map()) {
        report_.error(origin_, field(key), "must be a map with a name");
        return std::nullopt;
    }
    auto name = ref.take_string("name");
    ref.warn_unknown();
    if (!name || name->empty()) {
        report_.error(origin_, ref.field("name"), "is required");
        return std::nullopt;
    }
    if (!is_dns1123_subdomain(*name)) {
        report_.error(origin_, ref.field("name"),
                      "\"" + *name + "\" is not a valid name (lowercase letters, digits, '-' and '.', at most 253)");
        return std::nullopt;
    }
    return name;
}

std::vector<std::pair<std::string, YAML::Node>> MapReader::rest() const {
    std::vector<std::pair<std::string, YAML::Node>> out;
    for (const auto& entry : entries_)
        if (!used_.count(entry.first)) out.push_back(entry);
    return out;
}

void MapReader::warn_unknown() const {
    for (const auto& entry : rest()) report_.warn(origin_, field(entry.first), "unknown field, ignored");
}

std::optional<std::string> to_string_map(const YAML::Node& node, std::map<std::string, std::string>& out) {
    if (!node.IsMap()) return std::string("must be a map of string to string");
    for (const auto& kv : node) {
        if (!kv.first.IsScalar()) return std::string("must be a map of string to string (a key is not a string)");
        const std::string& key = kv.first.Scalar();
        if (!kv.second.IsScalar() && !kv.second.IsNull())
            return "must be a map of string to string (the value of \"" + key + "\" is not a string)";
        if (!out.emplace(key, kv.second.IsNull() ? std::string() : kv.second.Scalar()).second)
            return "duplicate key \"" + key + "\"";
    }
    return std::nullopt;
}

}  // namespace herald::config::detail
