// A manifest file's YAML stream read into documents, the way YAML::LoadAll
// reads it, without its endless loop and on two threads for large files.
//
// yaml-cpp 0.7's LoadAll loops for ever when a document starts with a stray
// flow indicator (a line that is just ","): its parser returns an empty
// document without consuming the token, and LoadAll asks again (found by
// fuzz_config_load). Here the documents are read with yaml-cpp's parser and
// our own node builder, and a document that starts where the previous one
// started is reported as an error instead.
#include "loader.hpp"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <istream>
#include <streambuf>
#include <thread>
#include <unordered_map>

namespace herald::config::detail {
namespace {

// `---` or `...` at the start of a line (given without its line break),
// followed by a blank or the line's end: yaml-cpp's document start and end
// indicators.
bool is_indicator_line(std::string_view line, std::string_view indicator) {
    return line.compare(0, 3, indicator) == 0 && (line.size() == 3 || line[3] == ' ' || line[3] == '\t');
}

bool is_start_marker(std::string_view line) { return is_indicator_line(line, "---"); }
bool is_end_marker(std::string_view line) { return is_indicator_line(line, "..."); }
bool is_directive(std::string_view line) { return !line.empty() && line[0] == '%'; }

bool is_blank_or_comment(std::string_view line) {
    auto first = line.find_first_not_of(" \t\r");
    return first == std::string_view::npos || line[first] == '#';
}

// Calls `f(line, line_start)` for each line of `text`, without its line
// break ("\n" or "\r\n"; a lone '\r' is no break to yaml-cpp).
template <typename F>
void for_each_line(std::string_view text, F&& f) {
    for (size_t pos = 0; pos < text.size();) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        if (end < text.size() && !line.empty() && line.back() == '\r') line.remove_suffix(1);
        f(line, pos);
        pos = end + 1;
    }
}

// Whether yaml-cpp reads the stream as UTF-16 or UTF-32: it guesses so
// from a byte order mark or NUL bytes at the start, for the whole stream.
bool wide_encoding(std::string_view text) {
    const std::string_view head = text.substr(0, 4);
    return head.find('\0') != std::string_view::npos || head.compare(0, 2, "\xFE\xFF") == 0 ||
           head.compare(0, 2, "\xFF\xFE") == 0;
}

// A text holding whole documents, to parse apart from the others.
struct Part {
    std::string_view text;
    // Cut before a later line (a `---`, or what follows `...`): the parser
    // must see a boundary after the text, or a quote left open at its end
    // would pass for closed.
    bool before_boundary = false;
};

// The stream cut where one document ends and the next begins, as
// yaml-cpp's scanner reads indicators at the start of a line wherever they
// appear (YAML forbids them inside content), so no cut splits a document:
// - before a `---` line that follows a document's node or marker;
// - after a run of `...` lines (LoadAll's document eats them all), before
//   the next node, marker or directive.
// A directive after a node stays where it is: yaml-cpp reads it as the
// continuation of a plain scalar or as the end of the document, depending
// on the node. Comments between documents go with the earlier one. A part
// may still hold several documents (yaml-cpp also ends one implicitly): its
// parse reads each to its end, so the parts' documents are LoadAll's.
std::vector<Part> split_documents(std::string_view text) {
    if (wide_encoding(text)) return {Part{text, false}};
    std::vector<Part> parts;
    size_t start = 0;
    bool document = false;  // a node or marker since `start`
    bool ended = false;     // the last of them was `...`
    auto cut_before = [&](size_t line_start) {
        if (document) {
            parts.push_back(Part{text.substr(start, line_start - start), true});
            start = line_start;
        }
        document = ended = false;
    };
    for_each_line(text, [&](std::string_view line, size_t line_start) {
        if (is_start_marker(line)) {
            cut_before(line_start);
            document = true;
        } else if (is_end_marker(line)) {
            document = true;
            ended = is_blank_or_comment(line.substr(3));  // else a node starts after it
        } else if (is_directive(line)) {
            if (ended) cut_before(line_start);
        } else if (!is_blank_or_comment(line)) {
            if (ended) cut_before(line_start);
            document = true;
        }
    });
    if (start < text.size()) parts.push_back(Part{text.substr(start), false});
    return parts;
}

// YAML::Node trees from parser events, as yaml-cpp's own (private)
// NodeBuilder makes them for YAML::Load: tags, styles, anchors and aliases
// (an alias is the anchored node itself), duplicate keys kept in order.
// Nodes are only ever copy-constructed here, never assigned: assigning to a
// YAML::Node that has a node rebinds that node's data for every handle.
class NodeBuilder final : public YAML::EventHandler {
public:
    const YAML::Mark& document_start() const { return document_start_; }
    YAML::Node root() const { return root_ ? *root_ : YAML::Node(); }

    void OnDocumentStart(const YAML::Mark& mark) override {
        document_start_ = mark;
        root_.reset();
        open_.clear();
        anchors_.clear();
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t anchor) override {
        add(YAML::Node(YAML::NodeType::Null), anchor);
    }
    void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
        auto it = anchors_.find(anchor);  // the parser refuses unknown aliases
        attach(it != anchors_.end() ? it->second : YAML::Node(YAML::NodeType::Null));
    }
    void OnScalar(const YAML::Mark&, const std::string& tag, YAML::anchor_t anchor,
                  const std::string& value) override {
        YAML::Node node(value);
        node.SetTag(tag);
        add(node, anchor);
    }
    void OnSequenceStart(const YAML::Mark&, const std::string& tag, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value style) override {
        open(YAML::NodeType::Sequence, tag, anchor, style);
    }
    void OnSequenceEnd() override { close(); }
    void OnMapStart(const YAML::Mark&, const std::string& tag, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value style) override {
        open(YAML::NodeType::Map, tag, anchor, style);
    }
    void OnMapEnd() override { close(); }

private:
    struct Collection {
        YAML::Node node;
        std::optional<YAML::Node> key;  // a map's key waiting for its value
    };

    void remember(const YAML::Node& node, YAML::anchor_t anchor) {
        if (anchor == YAML::NullAnchor) return;
        anchors_.erase(anchor);
        anchors_.emplace(anchor, node);
    }
    void add(const YAML::Node& node, YAML::anchor_t anchor) {
        remember(node, anchor);
        attach(node);
    }
    void open(YAML::NodeType::value type, const std::string& tag, YAML::anchor_t anchor,
              YAML::EmitterStyle::value style) {
        YAML::Node node(type);
        node.SetTag(tag);
        node.SetStyle(style);
        remember(node, anchor);
        open_.push_back(Collection{node, std::nullopt});
    }
    void close() {
        YAML::Node node = open_.back().node;
        open_.pop_back();
        attach(node);
    }
    void attach(const YAML::Node& node) {
        if (open_.empty()) {
            root_.emplace(node);
            return;
        }
        Collection& parent = open_.back();
        if (parent.node.IsSequence()) {
            parent.node.push_back(node);
        } else if (!parent.key) {
            parent.key.emplace(node);
        } else {
            parent.node.force_insert(*parent.key, node);  // no search: linear in the keys
            parent.key.reset();
        }
    }

    YAML::Mark document_start_;
    std::optional<YAML::Node> root_;
    std::vector<Collection> open_;
    std::unordered_map<YAML::anchor_t, YAML::Node> anchors_;
};

// An istream over a string_view, without a copy.
class ViewBuffer : public std::streambuf {
public:
    explicit ViewBuffer(std::string_view text) {
        char* begin = const_cast<char*>(text.data());
        setg(begin, begin, begin + text.size());
    }
};

// The documents of one part, or why they do not parse (mark relative to the
// part).
struct PartResult {
    std::vector<YAML::Node> nodes;
    std::optional<YAML::Mark> error_at;
    std::string error;
};

PartResult parse_part(const Part& part) {
    PartResult r;
    std::string with_boundary;
    std::string_view text = part.text;
    if (part.before_boundary) {
        with_boundary.reserve(part.text.size() + 4);
        with_boundary.append(part.text).append("---\n");
        text = with_boundary;
    }
    ViewBuffer buffer(text);
    std::istream in(&buffer);
    try {
        YAML::Parser parser(in);
        NodeBuilder builder;
        std::optional<int> last_start;
        while (parser.HandleNextDocument(builder)) {
            if (size_t(builder.document_start().pos) >= part.text.size()) break;  // the boundary's
            // A document that starts where the last one did consumed nothing:
            // LoadAll would loop here for ever.
            if (last_start == builder.document_start().pos) {
                r.error_at = builder.document_start();
                r.error = "no YAML node where the document starts (a stray ',' or other flow indicator?)";
                return r;
            }
            last_start = builder.document_start().pos;
            r.nodes.push_back(builder.root());
        }
    } catch (const YAML::Exception& e) {
        r.error_at = e.mark;
        r.error = e.msg;
    }
    return r;
}

// Large files are parsed in two halves on two threads: yaml-cpp is most of
// the startup time with many Providers.
constexpr size_t kParallelParts = 128;

}  // namespace

YamlStream parse_yaml_stream(std::string_view text) {
    const auto parts = split_documents(text);
    std::vector<PartResult> results(parts.size());
    auto parse = [&](size_t from, size_t to) {
        for (size_t i = from; i < to; ++i) results[i] = parse_part(parts[i]);
    };
    if (parts.size() < kParallelParts) {
        parse(0, parts.size());
    } else {
        const size_t half = parts.size() / 2;
        std::thread second([&] { parse(half, parts.size()); });
        parse(0, half);
        second.join();
    }
    YamlStream out;
    out.nodes.reserve(results.size());
    for (size_t i = 0; i < results.size(); ++i) {
        if (results[i].error_at) {
            // Named by the part's first document: what its markers delimit.
            const size_t offset = size_t(parts[i].text.data() - text.data());
            YAML::Mark at = *results[i].error_at;
            at.line += int(std::count(text.begin(), text.begin() + std::ptrdiff_t(offset), '\n'));
            out.error_at = at;
            out.error_document = int(out.nodes.size() + 1);
            out.error = std::move(results[i].error);
            out.nodes.clear();
            return out;
        }
        for (auto& node : results[i].nodes) out.nodes.push_back(std::move(node));
    }
    return out;
}

}  // namespace herald::config::detail
