// A strict one-pass JSON reader that fills an Event the way Go's json.Unmarshal
// does. Hand-written rather than nlohmann::json because Go replaces invalid
// UTF-8 instead of rejecting it, folds member names, and because intake decodes
// tens of thousands of bodies per second: no DOM, strings go straight into the
// Event, unknown members are skipped without allocating.
#include <herald/events/event.hpp>
#include <herald/sdk.hpp>

#include "internal.hpp"

#include <utility>

namespace herald::events {
namespace {

using herald::sdk::JsonWriter;

// Go's encoding/json scanner limit.
constexpr size_t kMaxDepth = 10000;

enum class Kind { String, Number, Object, Array, Bool, Null, Invalid };

const char* kind_name(Kind k) {
    switch (k) {
        case Kind::String: return "string";
        case Kind::Number: return "number";
        case Kind::Object: return "object";
        case Kind::Array: return "array";
        case Kind::Bool: return "bool";
        case Kind::Null: return "null";
        case Kind::Invalid: break;
    }
    return "invalid value";
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

class EventReader {
public:
    explicit EventReader(std::string_view in) : in_(in) {}

    DecodeResult run() {
        DecodeResult result;
        Event event;
        if (!read_document(event)) {
            result.error = std::move(error_);
            return result;
        }
        result.event = std::move(event);
        return result;
    }

private:
    // ---- errors ----

    bool syntax_error(std::string_view what) {
        if (error_.empty()) error_ = "json: " + std::string(what) + " at offset " + std::to_string(pos_);
        return false;
    }
    bool unexpected() {
        if (pos_ >= in_.size()) return syntax_error("unexpected end of input");
        unsigned char c = static_cast<unsigned char>(in_[pos_]);
        if (c >= 0x20 && c < 0x7f) return syntax_error(std::string("invalid character '") + char(c) + "'");
        static const char digits[] = "0123456789abcdef";
        return syntax_error(std::string("invalid byte 0x") + digits[c >> 4] + digits[c & 15]);
    }
    bool type_error(std::string_view field, std::string_view expected, Kind got) {
        error_ = "json: field \"" + std::string(field) + "\": expected " + std::string(expected) + ", got " +
                 kind_name(got);
        return false;
    }

    // ---- lexing ----

    void skip_ws() {
        while (pos_ < in_.size()) {
            char c = in_[pos_];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
            ++pos_;
        }
    }
    bool at_end() const { return pos_ >= in_.size(); }
    char peek() const { return in_[pos_]; }

    bool expect(char c) {
        skip_ws();
        if (at_end() || peek() != c) return unexpected();
        ++pos_;
        return true;
    }

    Kind peek_kind() {
        skip_ws();
        if (at_end()) return Kind::Invalid;
        switch (peek()) {
            case '"': return Kind::String;
            case '{': return Kind::Object;
            case '[': return Kind::Array;
            case 't': case 'f': return Kind::Bool;
            case 'n': return Kind::Null;
            case '-': case '0': case '1': case '2': case '3': case '4':
            case '5': case '6': case '7': case '8': case '9': return Kind::Number;
            default: return Kind::Invalid;
        }
    }

    bool literal(std::string_view word) {
        if (in_.substr(pos_, word.size()) != word) return unexpected_in_literal(word);
        pos_ += word.size();
        return true;
    }
    bool unexpected_in_literal(std::string_view word) {
        while (pos_ < in_.size() && !word.empty() && in_[pos_] == word.front()) {
            ++pos_;
            word.remove_prefix(1);
        }
        return unexpected();
    }

    bool digits() {
        if (at_end() || peek() < '0' || peek() > '9') return unexpected();
        while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
        return true;
    }

    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    bool number() {
        if (peek() == '-') ++pos_;
        if (at_end()) return unexpected();
        if (peek() == '0') {
            ++pos_;
        } else if (!digits()) {
            return false;
        }
        if (!at_end() && peek() == '.') {
            ++pos_;
            if (!digits()) return false;
        }
        if (!at_end() && (peek() == 'e' || peek() == 'E')) {
            ++pos_;
            if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
            if (!digits()) return false;
        }
        return true;
    }

    // Reads four hex digits after "\u"; -1 when they are not there.
    int read_u4(size_t at) const {
        if (at + 4 > in_.size()) return -1;
        int v = 0;
        for (size_t i = 0; i < 4; ++i) {
            int h = hex_value(in_[at + i]);
            if (h < 0) return -1;
            v = v * 16 + h;
        }
        return v;
    }

    // Reads the string at pos_ (on its opening quote) into `out`, unescaped,
    // with Go's replacements. `out` is overwritten.
    bool string(std::string& out) {
        out.clear();
        ++pos_;  // opening quote
        for (;;) {
            size_t start = pos_;
            while (pos_ < in_.size()) {
                unsigned char c = static_cast<unsigned char>(in_[pos_]);
                if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
                ++pos_;
            }
            out.append(in_.data() + start, pos_ - start);
            if (at_end()) return unexpected();
            unsigned char c = static_cast<unsigned char>(peek());
            if (c == '"') {
                ++pos_;
                return true;
            }
            if (c < 0x20) return unexpected();
            if (c >= 0x80) {
                size_t len = JsonWriter::utf8_sequence_length(in_, pos_);
                if (len == 0) {
                    out += "\xEF\xBF\xBD";
                    ++pos_;
                } else {
                    out.append(in_.data() + pos_, len);
                    pos_ += len;
                }
                continue;
            }
            if (!escape(out)) return false;
        }
    }

    // One escape sequence at pos_ (on the backslash).
    bool escape(std::string& out) {
        ++pos_;
        if (at_end()) return unexpected();
        char e = peek();
        ++pos_;
        switch (e) {
            case '"': out.push_back('"'); return true;
            case '\\': out.push_back('\\'); return true;
            case '/': out.push_back('/'); return true;
            case 'b': out.push_back('\b'); return true;
            case 'f': out.push_back('\f'); return true;
            case 'n': out.push_back('\n'); return true;
            case 'r': out.push_back('\r'); return true;
            case 't': out.push_back('\t'); return true;
            case 'u': break;
            default: --pos_; return unexpected();
        }
        int cp = read_u4(pos_);
        if (cp < 0) return bad_u4();
        pos_ += 4;
        if (cp < 0xD800 || cp > 0xDFFF) {
            detail::append_utf8(out, uint32_t(cp));
            return true;
        }
        // Go pairs a high surrogate with a following \u low surrogate; anything
        // else is one U+FFFD and the next escape is read on its own.
        if (cp <= 0xDBFF && pos_ + 6 <= in_.size() && in_[pos_] == '\\' && in_[pos_ + 1] == 'u') {
            int low = read_u4(pos_ + 2);
            if (low >= 0xDC00 && low <= 0xDFFF) {
                pos_ += 6;
                detail::append_utf8(out, 0x10000 + ((uint32_t(cp) - 0xD800) << 10) + (uint32_t(low) - 0xDC00));
                return true;
            }
        }
        out += "\xEF\xBF\xBD";
        return true;
    }
    bool bad_u4() {
        for (int i = 0; i < 4 && !at_end() && hex_value(peek()) >= 0; ++i) ++pos_;
        return unexpected();
    }

    // Validates and skips one value of any kind without recursion, so hostile
    // nesting cannot exhaust the stack. `depth` is the nesting already open.
    bool skip_value(size_t depth) {
        std::string closers;  // '}' or ']' per open container
        for (;;) {
            // A value starts here.
            switch (peek_kind()) {
                case Kind::Invalid: return unexpected();
                case Kind::String:
                    if (!string(scratch_)) return false;
                    break;
                case Kind::Number:
                    if (!number()) return false;
                    break;
                case Kind::Bool:
                    if (!literal(peek() == 't' ? "true" : "false")) return false;
                    break;
                case Kind::Null:
                    if (!literal("null")) return false;
                    break;
                case Kind::Object:
                case Kind::Array: {
                    bool object = peek() == '{';
                    if (depth + closers.size() + 1 > kMaxDepth) return syntax_error("exceeded max nesting depth");
                    ++pos_;
                    closers.push_back(object ? '}' : ']');
                    skip_ws();
                    if (!at_end() && peek() == closers.back()) {
                        ++pos_;
                        closers.pop_back();
                        break;
                    }
                    if (object && !member_name_and_colon()) return false;
                    continue;  // read the first element / member value
                }
            }
            // After a value: close containers or move to the next element.
            for (;;) {
                if (closers.empty()) return true;
                skip_ws();
                if (at_end()) return unexpected();
                char c = peek();
                if (c == closers.back()) {
                    ++pos_;
                    closers.pop_back();
                    continue;
                }
                if (c != ',') return unexpected();
                ++pos_;
                if (closers.back() == '}' && !member_name_and_colon()) return false;
                break;
            }
        }
    }
    bool member_name_and_colon() {
        skip_ws();
        if (at_end() || peek() != '"') return unexpected();
        if (!string(scratch_)) return false;
        return expect(':');
    }

    // ---- the Event ----

    // Walks the members of the object at pos_, calling `on_member(name)` with
    // pos_ on each value; an empty object calls nothing.
    template <typename OnMember>
    bool members(OnMember&& on_member) {
        ++pos_;  // '{'
        skip_ws();
        if (!at_end() && peek() == '}') {
            ++pos_;
            return true;
        }
        for (;;) {
            skip_ws();
            if (at_end() || peek() != '"') return unexpected();
            if (!string(key_)) return false;
            if (!expect(':')) return false;
            if (!on_member(key_)) return false;
            skip_ws();
            if (at_end()) return unexpected();
            if (peek() == '}') {
                ++pos_;
                return true;
            }
            if (peek() != ',') return unexpected();
            ++pos_;
        }
    }

    // A string member: null keeps the old value (Go's rule for non-pointer
    // values), any other kind is a type error.
    bool string_field(std::string& dst, std::string_view field) {
        Kind k = peek_kind();
        if (k == Kind::String) return string(dst);
        if (k == Kind::Null) return literal("null");
        if (k == Kind::Invalid) return unexpected();
        return type_error(field, "string", k);
    }

    bool read_document(Event& e) {
        Kind k = peek_kind();
        if (k == Kind::Invalid) {
            if (at_end()) return syntax_error("unexpected end of input");
            return unexpected();
        }
        bool ok = true;
        if (k == Kind::Null) {
            ok = literal("null");
        } else if (k == Kind::Object) {
            ok = members([&](std::string_view name) { return event_member(e, name); });
        } else {
            error_ = std::string("json: expected an object at the top level, got ") + kind_name(k);
            return false;
        }
        if (!ok) return false;
        skip_ws();
        if (!at_end()) return syntax_error("data after the top-level value");
        return true;
    }

    bool event_member(Event& e, std::string_view name) {
        using detail::fold_equal;
        if (fold_equal(name, "involvedObject")) return object_ref(e.object);
        if (fold_equal(name, "severity")) return string_field(e.severity, "severity");
        if (fold_equal(name, "timestamp")) return timestamp(e.timestamp);
        if (fold_equal(name, "message")) return string_field(e.message, "message");
        if (fold_equal(name, "reason")) return string_field(e.reason, "reason");
        if (fold_equal(name, "metadata")) return metadata(e.metadata);
        if (fold_equal(name, "reportingController")) return string_field(e.reporting_controller, "reportingController");
        if (fold_equal(name, "reportingInstance")) return string_field(e.reporting_instance, "reportingInstance");
        return skip_value(1);
    }

    bool object_ref(ObjectRef& o) {
        Kind k = peek_kind();
        if (k == Kind::Null) return literal("null");
        if (k == Kind::Invalid) return unexpected();
        if (k != Kind::Object) return type_error("involvedObject", "object", k);
        return members([&](std::string_view name) {
            using detail::fold_equal;
            if (fold_equal(name, "kind")) return string_field(o.kind, "involvedObject.kind");
            if (fold_equal(name, "namespace")) return string_field(o.ns, "involvedObject.namespace");
            if (fold_equal(name, "name")) return string_field(o.name, "involvedObject.name");
            if (fold_equal(name, "uid")) return string_field(o.uid, "involvedObject.uid");
            if (fold_equal(name, "apiVersion")) return string_field(o.api_version, "involvedObject.apiVersion");
            if (fold_equal(name, "resourceVersion"))
                return string_field(o.resource_version, "involvedObject.resourceVersion");
            if (fold_equal(name, "fieldPath")) return string_field(o.field_path, "involvedObject.fieldPath");
            return skip_value(2);
        });
    }

    // Go reuses an existing map (a second "metadata" member merges) and sets
    // it to nil on null; a null value stores "".
    bool metadata(std::map<std::string, std::string>& md) {
        Kind k = peek_kind();
        if (k == Kind::Null) {
            md.clear();
            return literal("null");
        }
        if (k == Kind::Invalid) return unexpected();
        if (k != Kind::Object) return type_error("metadata", "object", k);
        return members([&](std::string_view name) {
            Kind vk = peek_kind();
            if (vk == Kind::String) {
                std::string& slot = md[std::string(name)];
                return string(slot);
            }
            if (vk == Kind::Null) {
                md[std::string(name)].clear();
                return literal("null");
            }
            if (vk == Kind::Invalid) return unexpected();
            return type_error("metadata." + std::string(name), "string", vk);
        });
    }

    // metav1.Time: null resets to the zero time; a string is unescaped and
    // parsed with time.Parse(time.RFC3339).
    bool timestamp(std::optional<int64_t>& ts) {
        Kind k = peek_kind();
        if (k == Kind::Null) {
            ts.reset();
            return literal("null");
        }
        if (k == Kind::Invalid) return unexpected();
        if (k != Kind::String) return type_error("timestamp", "string", k);
        if (!string(scratch_)) return false;
        int64_t seconds = 0;
        bool has_fraction = false;
        std::string why;
        if (!detail::parse_go_rfc3339(scratch_, seconds, has_fraction, why)) {
            error_ = "json: field \"timestamp\": not an RFC 3339 time (" + why + ")";
            return false;
        }
        if (seconds == detail::kZeroTimeUnix && !has_fraction) {
            ts.reset();  // Go's zero time, which encodes as null
            return true;
        }
        ts = seconds;
        return true;
    }

    std::string_view in_;
    size_t pos_ = 0;
    std::string error_;
    std::string key_;      // member name being matched
    std::string scratch_;  // skipped strings, the timestamp text
};

}  // namespace

DecodeResult decode_event(std::string_view json) { return EventReader(json).run(); }

}  // namespace herald::events
