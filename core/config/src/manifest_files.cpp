// Finding manifest files under --config DIR and splitting them into documents.
#include "loader.hpp"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>
#include <thread>

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

bool is_marker_line(std::string_view line) {
    return line.compare(0, 3, "---") == 0 &&
           (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r' || line[3] == '\n');
}

// The document number (1-based) holding 0-based `error_line`: count the
// `---` markers before it, plus one when content precedes the first marker.
int document_at_line(const std::string& text, int error_line) {
    std::istringstream in(text);
    std::string line;
    int markers = 0;
    bool content_before_marker = false;
    for (int n = 0; n <= error_line && std::getline(in, line); ++n) {
        bool marker = is_marker_line(line);
        if (marker && n < error_line) {
            ++markers;
            continue;
        }
        auto first = line.find_first_not_of(" \t\r");
        if (markers == 0 && first != std::string::npos && line[first] != '#' && line[first] != '%')
            content_before_marker = true;
    }
    return std::max(1, markers + (content_before_marker ? 1 : 0));
}

bool has_content(std::string_view text) {
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        auto first = line.find_first_not_of(" \t\r");
        if (first != std::string_view::npos && line[first] != '#') return true;
        pos = end + 1;
    }
    return false;
}

// The documents of a stream as separate texts, split at `---` lines. YAML
// forbids a document marker at the start of a line inside any content, so a
// split there never cuts a document; streams with directives (`%`) or end
// markers (`...`) are left whole. The first text is empty when nothing but
// comments precedes the first marker, as YAML::LoadAll counts documents.
std::optional<std::vector<std::string_view>> split_documents(std::string_view text) {
    std::vector<std::string_view> docs;
    size_t start = 0, pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        if (!line.empty() && line[0] == '%') return std::nullopt;
        if (line.compare(0, 3, "...") == 0) return std::nullopt;
        if (is_marker_line(line)) {
            docs.push_back(text.substr(start, pos - start));
            start = pos;
        }
        pos = end + 1;
    }
    docs.push_back(text.substr(start));
    if (!has_content(docs.front())) docs.front() = {};
    return docs;
}

// Large files are parsed in two halves on two threads: yaml-cpp is most of
// the startup time with many Providers. nullopt when a document does not
// parse alone; the caller then parses the whole stream for the exact error.
constexpr size_t kParallelDocuments = 128;

std::optional<std::vector<YAML::Node>> load_split(std::string_view text) {
    auto parts = split_documents(text);
    if (!parts || parts->size() < kParallelDocuments) return std::nullopt;
    const bool first_is_document = !parts->front().empty();
    if (!first_is_document) parts->erase(parts->begin());
    std::vector<YAML::Node> nodes(parts->size());
    auto parse = [&](size_t from, size_t to) {
        for (size_t i = from; i < to; ++i) nodes[i] = YAML::Load(std::string((*parts)[i]));
    };
    const size_t half = parts->size() / 2;
    bool second_ok = true;
    std::thread second([&] {
        try {
            parse(half, parts->size());
        } catch (const YAML::Exception&) {
            second_ok = false;
        }
    });
    bool first_ok = true;
    try {
        parse(0, half);
    } catch (const YAML::Exception&) {
        first_ok = false;
    }
    second.join();
    if (!first_ok || !second_ok) return std::nullopt;
    return nodes;
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
    std::vector<YAML::Node> nodes;
    try {
        if (auto split = load_split(text))
            nodes = std::move(*split);
        else
            nodes = YAML::LoadAll(text);
    } catch (const YAML::Exception& e) {
        // e.msg describes the syntax only; the text itself is never quoted.
        Origin at{name, document_at_line(text, e.mark.line)};
        report.error(at, "",
                     "invalid YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                         std::to_string(e.mark.column + 1) + ": " + e.msg);
        return;
    }
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
