// Finding manifest files under --config DIR and splitting them into documents.
#include "loader.hpp"

#include <algorithm>
#include <fstream>
#include <system_error>

namespace fs = std::filesystem;

namespace herald::config::detail {
namespace {

bool is_hidden(const fs::path& p) {
    auto name = p.filename().string();
    return !name.empty() && name.front() == '.';
}

bool has_manifest_extension(const fs::path& p) {
    auto ext = p.extension().string();
    return ext == ".yaml" || ext == ".yml";
}

// Entries of one directory, sorted by name, hidden ones left out. Kubernetes
// ConfigMap volumes put the real files in `..data`/`..2024_...` directories
// and link them from the top: skipping hidden names reads each file once.
std::vector<fs::path> visible_entries(const fs::path& dir, std::error_code& ec) {
    std::vector<fs::path> out;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (!is_hidden(it->path())) out.push_back(it->path());
    std::sort(out.begin(), out.end());
    return out;
}

// Depth-first walk; `seen` holds canonical paths so a file or directory
// reached twice through symlinks is read once (and symlink loops end).
void collect(const fs::path& dir, std::set<fs::path>& seen, std::vector<fs::path>& files, Reporter& report) {
    std::error_code ec;
    auto entries = visible_entries(dir, ec);
    if (ec) {
        report.error(Origin{dir.string(), 0}, "", "cannot list directory: " + ec.message());
        return;
    }
    for (const auto& entry : entries) {
        std::error_code sec;
        auto status = fs::status(entry, sec);  // follows symlinks
        if (sec) continue;                     // dangling link: nothing to read
        bool is_dir = fs::is_directory(status);
        if (!is_dir && !(fs::is_regular_file(status) && has_manifest_extension(entry))) continue;
        auto canonical = fs::canonical(entry, sec);
        if (sec || !seen.insert(canonical).second) continue;
        if (is_dir)
            collect(entry, seen, files, report);
        else
            files.push_back(entry);
    }
}

bool within_size_limit(const Origin& origin, std::uintmax_t size, Reporter& report) {
    if (size <= kMaxManifestBytes) return true;
    report.error(origin, "", "file is " + std::to_string(size) + " bytes, above the 4 MiB limit for a manifest file");
    return false;
}

void read_file(const fs::path& file, std::vector<Document>& docs, Reporter& report) {
    Origin file_origin{file.string(), 0};
    std::error_code ec;
    auto size = fs::file_size(file, ec);
    if (ec) {
        report.error(file_origin, "", "cannot read file: " + ec.message());
        return;
    }
    if (!within_size_limit(file_origin, size, report)) return;
    std::ifstream in(file, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
        report.error(file_origin, "", "cannot read file");
        return;
    }
    read_manifest_text(file.string(), text, docs, report);
}

}  // namespace

void read_manifest_text(const std::string& name, const std::string& text, std::vector<Document>& docs,
                        Reporter& report) {
    Origin file_origin{name, 0};
    if (!within_size_limit(file_origin, text.size(), report)) return;
    // The message describes the syntax only; the text itself is never quoted.
    YamlStream parsed = parse_yaml_stream(text);
    if (parsed.error_at) {
        const YAML::Mark& mark = *parsed.error_at;
        report.error(Origin{name, parsed.error_document}, "",
                     "invalid YAML at line " + std::to_string(mark.line + 1) + ", column " +
                         std::to_string(mark.column + 1) + ": " + parsed.error);
        return;
    }
    std::vector<YAML::Node>& nodes = parsed.nodes;
    if (nodes.size() > kMaxDocumentsPerFile) {
        report.error(file_origin, "",
                     "file has " + std::to_string(nodes.size()) + " YAML documents, above the limit of " +
                         std::to_string(kMaxDocumentsPerFile));
        return;
    }
    for (size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i].IsNull()) continue;  // empty document
        docs.push_back(Document{Origin{name, static_cast<int>(i + 1)}, nodes[i]});
    }
}

std::vector<Document> read_manifests(const fs::path& dir, Reporter& report) {
    std::vector<Document> docs;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        report.error(Origin{dir.string(), 0}, "", "config directory does not exist or is not a directory");
        return docs;
    }
    std::set<fs::path> seen{fs::canonical(dir, ec)};
    std::vector<fs::path> files;
    collect(dir, seen, files, report);
    for (const auto& file : files) read_file(file, docs, report);
    return docs;
}

}  // namespace herald::config::detail
