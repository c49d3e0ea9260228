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

// Whether a document's text holds anything but its `---` marker, blank lines
// and comments.
bool has_content(std::string_view text) {
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        if (is_marker_line(line)) line.remove_prefix(3);
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

// One document's text parsed alone, or why it does not parse.
struct PartResult {
    YAML::Node node;
    std::optional<YAML::Mark> error_at;  // relative to the part
    std::string error;
};

// YAML::Load of one document. yaml-cpp 0.7 returns a null node without
// consuming a stray flow indicator where a document's node should start (a
// line that is just ","), and YAML::LoadAll then loops on it forever, making
// an empty document per turn: parsing each document alone, and refusing one
// that has content but gives no node, keeps that from stalling the loader.
PartResult parse_part(std::string_view part) {
    PartResult r;
    try {
        r.node = YAML::Load(std::string(part));
        if (r.node.IsNull() && has_content(part)) {
            r.error_at = YAML::Mark();
            // Point past a `---` marker line at the document's own text.
            if (is_marker_line(part.substr(0, part.find('\n'))) && !has_content(part.substr(0, part.find('\n'))))
                r.error_at->line = 1;
            r.error = "no YAML node where the document starts (a stray ',' or other flow indicator?)";
        }
    } catch (const YAML::Exception& e) {
        r.error_at = e.mark;
        r.error = e.msg;
    }
    return r;
}

// Large files are parsed in two halves on two threads: yaml-cpp is most of
// the startup time with many Providers.
constexpr size_t kParallelDocuments = 128;

struct SplitResult {
    std::vector<YAML::Node> nodes;
    std::optional<YAML::Mark> error_at;  // absolute line and column
    std::string error;
};

// nullopt when the stream cannot be split safely (directives, end markers):
// the caller parses it whole.
std::optional<SplitResult> load_split(std::string_view text) {
    auto parts = split_documents(text);
    if (!parts) return std::nullopt;
    if (parts->front().empty()) parts->erase(parts->begin());
    std::vector<PartResult> results(parts->size());
    auto parse = [&](size_t from, size_t to) {
        for (size_t i = from; i < to; ++i) results[i] = parse_part((*parts)[i]);
    };
    if (parts->size() < kParallelDocuments) {
        parse(0, parts->size());
    } else {
        const size_t half = parts->size() / 2;
        std::thread second([&] { parse(half, parts->size()); });
        parse(0, half);
        second.join();
    }
    SplitResult out;
    out.nodes.reserve(results.size());
    for (size_t i = 0; i < results.size(); ++i) {
        if (results[i].error_at) {
            const size_t offset = size_t((*parts)[i].data() - text.data());
            YAML::Mark at = *results[i].error_at;
            at.line += int(std::count(text.begin(), text.begin() + std::ptrdiff_t(offset), '\n'));
            out.error_at = at;
            out.error = std::move(results[i].error);
            return out;
        }
        out.nodes.push_back(std::move(results[i].node));
    }
    return out;
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
    // The messages describe the syntax only; the text itself is never quoted.
    auto invalid = [&](const YAML::Mark& mark, const std::string& why) {
        Origin at{name, document_at_line(text, mark.line)};
        report.error(at, "",
                     "invalid YAML at line " + std::to_string(mark.line + 1) + ", column " +
                         std::to_string(mark.column + 1) + ": " + why);
    };
    std::vector<YAML::Node> nodes;
    try {
        if (auto split = load_split(text)) {
            if (split->error_at) return invalid(*split->error_at, split->error);
            nodes = std::move(split->nodes);
        } else {
            nodes = YAML::LoadAll(text);  // directives or end markers: rare, parsed whole
        }
    } catch (const YAML::Exception& e) {
        return invalid(e.mark, e.msg);
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
