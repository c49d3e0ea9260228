// Secrets: `kind: Secret` manifests (data/stringData) and mounted key files.
#include "loader.hpp"

#include <algorithm>
#include <fstream>
#include <system_error>

namespace fs = std::filesystem;

namespace herald::config::detail {

std::optional<std::string> decode_base64(std::string_view text) {
    auto value_of = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string clean;
    clean.reserve(text.size());
    for (char c : text)
        if (c != '\r' && c != '\n') clean += c;
    if (clean.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(clean.size() / 4 * 3);
    for (size_t i = 0; i < clean.size(); i += 4) {
        bool last = i + 4 == clean.size();
        int pad = 0;
        uint32_t bits = 0;
        for (size_t j = 0; j < 4; ++j) {
            char c = clean[i + j];
            if (c == '=' && last && j >= 2) {
                ++pad;
                bits <<= 6;
                continue;
            }
            int v = value_of(c);
            if (v < 0 || pad > 0) return std::nullopt;  // bad character, or data after '='
            bits = (bits << 6) | static_cast<uint32_t>(v);
        }
        out += static_cast<char>((bits >> 16) & 0xff);
        if (pad < 2) out += static_cast<char>((bits >> 8) & 0xff);
        if (pad < 1) out += static_cast<char>(bits & 0xff);
    }
    return out;
}

namespace {

// Kubernetes secret keys: [-._a-zA-Z0-9]+
bool is_secret_key(std::string_view key) {
    if (key.empty() || key.size() > 253 || key == "." || key == "..") return false;
    return std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
               c == '_' || c == '.';
    });
}

// Reads a data/stringData map: key -> scalar, checking key names.
void read_secret_map(MapReader& top, std::string_view field, bool base64, SecretData& out) {
    auto node = top.take(field);
    if (!node) return;
    MapReader entries(*node, top.field(field), top.origin(), top.report());
    if (!entries.is_map()) {
        top.report().error(top.origin(), top.field(field), "must be a map of key to value");
        return;
    }
    for (const auto& [key, value] : entries.rest()) {
        if (!is_secret_key(key)) {
            top.report().error(top.origin(), entries.field(key),
                               "invalid key name (letters, digits, '-', '_' and '.' only)");
            continue;
        }
        if (!value.IsScalar() && !value.IsNull()) {
            top.report().error(top.origin(), entries.field(key), "must be a string");
            continue;
        }
        std::string text = value.IsNull() ? std::string() : value.Scalar();
        if (!base64) {
            out[key] = std::move(text);
            continue;
        }
        auto decoded = decode_base64(text);
        if (!decoded) {
            top.report().error(top.origin(), entries.field(key), "invalid base64");
            continue;
        }
        out.emplace(key, std::move(*decoded));  // stringData, read first, wins
    }
}

std::vector<fs::path> sorted_visible(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        auto name = it->path().filename().string();
        if (!name.empty() && name.front() != '.') out.push_back(it->path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

bool is_dir(const fs::path& p) {
    std::error_code ec;
    return fs::is_directory(p, ec);  // follows symlinks
}

// The files of one mounted secret directory, overlaid onto `secret`.
void read_secret_dir(const fs::path& dir, StoredSecret& secret, Reporter& report) {
    for (const auto& file : sorted_visible(dir)) {
        Origin origin{dir.string(), 0};
        auto key = file.filename().string();
        std::error_code ec;
        if (!fs::is_regular_file(file, ec)) {
            report.warn(origin, "secret." + key, "not a regular file, ignored");
            continue;
        }
        if (!is_secret_key(key)) {
            report.error(origin, "secret." + key, "invalid key name (letters, digits, '-', '_' and '.' only)");
            continue;
        }
        auto size = fs::file_size(file, ec);
        if (ec || size > kMaxMountedSecretBytes) {
            report.error(origin, "secret." + key,
                         ec ? "cannot read file: " + ec.message() : std::string("file is above the 1 MiB limit"));
            continue;
        }
        std::ifstream in(file, std::ios::binary);
        std::string value((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        // Mounted values are used byte for byte, as Kubernetes writes them; a
        // file written with `echo` carries a newline that breaks credentials.
        bool credential = key == "token" || key == "username" || key == "password" || key == "proxy";
        if (credential && !value.empty() && value.back() == '\n')
            report.warn(origin, "secret." + key,
                        "value ends with a newline, which is kept (mounted files are used byte for byte)");
        secret.data[key] = std::move(value);
    }
}

}  // namespace

SecretData parse_secret_fields(MapReader& top) {
    SecretData data;
    // stringData first: emplace() of data entries then leaves its keys alone,
    // the way the API server merges stringData over data.
    read_secret_map(top, "stringData", false, data);
    read_secret_map(top, "data", true, data);
    top.take_string("type");
    top.take_bool("immutable");
    return data;
}

void read_mounted_secrets(const fs::path& dir, SecretStore& store, Reporter& report) {
    if (!is_dir(dir)) {
        report.error(Origin{dir.string(), 0}, "", "secrets directory does not exist or is not a directory");
        return;
    }
    for (const auto& ns_dir : sorted_visible(dir)) {
        if (!is_dir(ns_dir)) {
            report.warn(Origin{ns_dir.string(), 0}, "",
                        "ignored: secrets are read from <secrets dir>/<namespace>/<name>/<key>");
            continue;
        }
        auto ns = ns_dir.filename().string();
        for (const auto& secret_dir : sorted_visible(ns_dir)) {
            auto name = secret_dir.filename().string();
            if (!is_dir(secret_dir)) {
                report.warn(Origin{secret_dir.string(), 0}, "",
                            "ignored: secrets are read from <secrets dir>/<namespace>/<name>/<key>");
                continue;
            }
            if (!is_dns1123_label(ns) || !is_dns1123_subdomain(name)) {
                report.warn(Origin{secret_dir.string(), 0}, "",
                            "ignored: directory names are not a valid namespace/name");
                continue;
            }
            auto [it, inserted] = store.try_emplace(ns + "/" + name);
            if (inserted) it->second.origin = Origin{secret_dir.string(), 0};
            read_secret_dir(secret_dir, it->second, report);
        }
    }
}

}  // namespace herald::config::detail
