// herald C++ SDK: header-only helpers compiled into each plugin.
//
// A plugin written with this header:
//   1. derives one class from herald::sdk::Provider per Provider instance and
//      implements `step`;
//   2. writes a factory that validates a herald::sdk::Config and returns the
//      instance (or reports diagnostics and returns nullptr);
//   3. declares its descriptor with HERALD_PLUGIN(spec_function).
// Every call from the host goes through a trampoline that catches every
// exception and turns it into HERALD_E_INTERNAL, so nothing crosses the ABI.
// Nothing here is part of the ABI: only <herald/plugin.h> is.
#ifndef HERALD_SDK_HPP
#define HERALD_SDK_HPP

#include <herald/plugin.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::sdk {

// ---- strings ---------------------------------------------------------------

inline std::string_view view(herald_str s) { return s.data ? std::string_view(s.data, s.size) : std::string_view(); }
inline std::string_view view(herald_bytes b) {
    return b.data ? std::string_view(reinterpret_cast<const char*>(b.data), b.size) : std::string_view();
}
inline herald_str str(std::string_view s) { return herald_str{s.data(), s.size()}; }
inline herald_bytes bytes(std::string_view s) {
    return herald_bytes{reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

inline char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }
inline std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = ascii_lower(c);
    return out;
}
inline bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}
inline bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
inline bool ends_with(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}
inline std::string_view trim(std::string_view s) {
    const char* ws = " \t\r\n";
    auto b = s.find_first_not_of(ws);
    if (b == std::string_view::npos) return {};
    auto e = s.find_last_not_of(ws);
    return s.substr(b, e - b + 1);
}
inline std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    size_t start = 0;
    for (;;) {
        auto pos = s.find(sep, start);
        if (pos == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, pos - start));
        start = pos + 1;
    }
}

inline std::string hex(const uint8_t* data, size_t size) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (size_t i = 0; i < size; ++i) {
        out.push_back(digits[data[i] >> 4]);
        out.push_back(digits[data[i] & 0xf]);
    }
    return out;
}

inline std::string base64(std::string_view in) {
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
        out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
    }
    if (i + 1 == in.size()) {
        uint32_t v = uint8_t(in[i]) << 16;
        out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
    } else if (i + 2 == in.size()) {
        uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
        out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
    }
    return out;
}

// Percent-encodes everything except RFC 3986 unreserved characters.
inline std::string url_escape(std::string_view s) {
    static const char digits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                          c == '-' || c == '_' || c == '.' || c == '~';
        if (unreserved) {
            out.push_back(char(c));
        } else {
            out.push_back('%');
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 15]);
        }
    }
    return out;
}

// ---- URLs ------------------------------------------------------------------

// An absolute URL split into parts; no normalisation beyond lowercasing the scheme.
struct Url {
    std::string scheme;    // "http" / "https"
    std::string userinfo;  // without '@'
    std::string host;      // without port; IPv6 keeps its brackets
    std::string port;      // "" when absent
    std::string path;      // "" or starting with '/'
    std::string query;     // without '?'
    std::string fragment;  // without '#'

    std::string authority() const { return port.empty() ? host : host + ":" + port; }
    // scheme://host[:port]
    std::string origin() const { return scheme + "://" + authority(); }
    std::string str() const {
        std::string s = origin() + path;
        if (!query.empty()) s += "?" + query;
        if (!fragment.empty()) s += "#" + fragment;
        return s;
    }
};

// Parses an absolute http(s) URL; nullopt when it is not one.
inline std::optional<Url> parse_url(std::string_view s) {
    Url u;
    auto colon = s.find("://");
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    u.scheme = to_lower(s.substr(0, colon));
    if (u.scheme != "http" && u.scheme != "https") return std::nullopt;
    std::string_view rest = s.substr(colon + 3);
    auto hash = rest.find('#');
    if (hash != std::string_view::npos) {
        u.fragment = std::string(rest.substr(hash + 1));
        rest = rest.substr(0, hash);
    }
    auto q = rest.find('?');
    if (q != std::string_view::npos) {
        u.query = std::string(rest.substr(q + 1));
        rest = rest.substr(0, q);
    }
    auto slash = rest.find('/');
    std::string_view auth = rest.substr(0, slash);
    if (slash != std::string_view::npos) u.path = std::string(rest.substr(slash));
    auto at = auth.rfind('@');
    if (at != std::string_view::npos) {
        u.userinfo = std::string(auth.substr(0, at));
        auth = auth.substr(at + 1);
    }
    if (!auth.empty() && auth.front() == '[') {
        auto close = auth.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        u.host = std::string(auth.substr(0, close + 1));
        auth = auth.substr(close + 1);
        if (!auth.empty()) {
            if (auth.front() != ':') return std::nullopt;
            u.port = std::string(auth.substr(1));
        }
    } else {
        auto pc = auth.rfind(':');
        if (pc != std::string_view::npos) {
            u.port = std::string(auth.substr(pc + 1));
            auth = auth.substr(0, pc);
        }
        u.host = std::string(auth);
    }
    if (u.host.empty()) return std::nullopt;
    for (char c : u.port)
        if (c < '0' || c > '9') return std::nullopt;
    for (char c : u.host)
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return std::nullopt;
    return u;
}

// ---- JSON writing with Go's encoding/json byte rules -----------------------
//
// Members are written in the order the caller writes them; `<`, `>`, `&`,
// U+2028 and U+2029 are escaped as \u003c \u003e \u0026 \u2028 \u2029; invalid
// UTF-8 becomes U+FFFD; no whitespace. Byte-identical with Go for the payloads
// Flux sends.
class JsonWriter {
public:
    JsonWriter& begin_object() { value_prefix(); out_.push_back('{'); first_.push_back(true); return *this; }
    JsonWriter& end_object() { out_.push_back('}'); first_.pop_back(); after_key_ = false; return *this; }
    JsonWriter& begin_array() { value_prefix(); out_.push_back('['); first_.push_back(true); return *this; }
    JsonWriter& end_array() { out_.push_back(']'); first_.pop_back(); after_key_ = false; return *this; }
    JsonWriter& key(std::string_view k) {
        comma();
        write_string(out_, k);
        out_.push_back(':');
        after_key_ = true;
        return *this;
    }
    JsonWriter& string(std::string_view v) { value_prefix(); write_string(out_, v); return *this; }
    JsonWriter& boolean(bool v) { value_prefix(); out_ += v ? "true" : "false"; return *this; }
    JsonWriter& number(long long v) { value_prefix(); out_ += std::to_string(v); return *this; }
    JsonWriter& null() { value_prefix(); out_ += "null"; return *this; }
    // Writes pre-encoded JSON as one value.
    JsonWriter& raw(std::string_view json) { value_prefix(); out_ += json; return *this; }
    // Shorthands for a member.
    JsonWriter& member(std::string_view k, std::string_view v) { return key(k).string(v); }
    JsonWriter& member(std::string_view k, const char* v) { return key(k).string(v); }
    JsonWriter& member(std::string_view k, bool v) { return key(k).boolean(v); }
    JsonWriter& member(std::string_view k, long long v) { return key(k).number(v); }
    JsonWriter& member(std::string_view k, int v) { return key(k).number(v); }

    const std::string& str() const { return out_; }
    std::string take() { return std::move(out_); }

    // Appends `s` as a JSON string literal with Go's escaping to `out`.
    static void write_string(std::string& out, std::string_view s) {
        static const char digits[] = "0123456789abcdef";
        out.push_back('"');
        size_t i = 0;
        while (i < s.size()) {
            unsigned char c = static_cast<unsigned char>(s[i]);
            if (c < 0x80) {
                switch (c) {
                    case '"': out += "\\\""; break;
                    case '\\': out += "\\\\"; break;
                    case '\n': out += "\\n"; break;
                    case '\r': out += "\\r"; break;
                    case '\t': out += "\\t"; break;
                    case '\b': out += "\\b"; break;
                    case '\f': out += "\\f"; break;
                    case '<': case '>': case '&':
                    default:
                        if (c < 0x20 || c == '<' || c == '>' || c == '&') {
                            out += "\\u00";
                            out.push_back(digits[c >> 4]);
                            out.push_back(digits[c & 15]);
                        } else {
                            out.push_back(char(c));
                        }
                }
                ++i;
                continue;
            }
            size_t len = utf8_sequence_length(s, i);
            if (len == 0) {
                out += "\xEF\xBF\xBD";  // U+FFFD
                ++i;
                continue;
            }
            if (len == 3 && c == 0xE2 && uint8_t(s[i + 1]) == 0x80 &&
                (uint8_t(s[i + 2]) == 0xA8 || uint8_t(s[i + 2]) == 0xA9)) {
                out += uint8_t(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
            } else {
                out.append(s.data() + i, len);
            }
            i += len;
        }
        out.push_back('"');
    }

    // Length of the valid UTF-8 sequence starting at s[i], 0 when invalid.
    static size_t utf8_sequence_length(std::string_view s, size_t i) {
        auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
        unsigned char c = b(i);
        size_t n = s.size() - i;
        if (c >= 0xC2 && c <= 0xDF) return (n >= 2 && (b(i + 1) & 0xC0) == 0x80) ? 2 : 0;
        if (c >= 0xE0 && c <= 0xEF) {
            if (n < 3 || (b(i + 1) & 0xC0) != 0x80 || (b(i + 2) & 0xC0) != 0x80) return 0;
            if (c == 0xE0 && b(i + 1) < 0xA0) return 0;
            if (c == 0xED && b(i + 1) > 0x9F) return 0;
            return 3;
        }
        if (c >= 0xF0 && c <= 0xF4) {
            if (n < 4 || (b(i + 1) & 0xC0) != 0x80 || (b(i + 2) & 0xC0) != 0x80 || (b(i + 3) & 0xC0) != 0x80)
                return 0;
            if (c == 0xF0 && b(i + 1) < 0x90) return 0;
            if (c == 0xF4 && b(i + 1) > 0x8F) return 0;
            return 4;
        }
        return 0;
    }

private:
    void comma() {
        if (!first_.empty()) {
            if (!first_.back()) out_.push_back(',');
            first_.back() = false;
        }
    }
    void value_prefix() {
        if (after_key_) {
            after_key_ = false;
            return;
        }
        comma();
    }
    std::string out_;
    std::vector<bool> first_;
    bool after_key_ = false;
};

// Truncates `s` to at most `max_bytes` bytes on a UTF-8 boundary, appending
// `marker` (counted in the limit) when it had to cut.
inline std::string truncate_utf8(std::string_view s, size_t max_bytes, std::string_view marker = "…") {
    if (s.size() <= max_bytes) return std::string(s);
    if (max_bytes <= marker.size()) return std::string(marker.substr(0, max_bytes));
    size_t cut = max_bytes - marker.size();
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    return std::string(s.substr(0, cut)) + std::string(marker);
}

// ---- host access -------------------------------------------------------------

namespace detail {
inline const herald_host*& host_slot() {
    static const herald_host* host = nullptr;
    return host;
}
}  // namespace detail

// The host given to init; nullptr before init (e.g. in unit tests without a host).
inline const herald_host* host() { return detail::host_slot(); }

inline void log(herald_level level, std::string_view text) {
    const herald_host* h = host();
    if (h && h->log) h->log(h, level, str(text));
}

// Lowercase hex HMAC-SHA-256 computed by the host; throws when no host is set.
inline std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
    const herald_host* h = host();
    if (!h || !h->hmac_sha256) throw std::runtime_error("host offers no hmac_sha256");
    uint8_t out[32];
    if (h->hmac_sha256(h, bytes(key), bytes(data), out) != HERALD_OK) throw std::runtime_error("hmac_sha256 failed");
    return hex(out, sizeof out);
}

// ---- configuration view ------------------------------------------------------

inline std::optional<std::string_view> find_kv(const herald_kv* kv, size_t count, std::string_view key) {
    for (size_t i = 0; i < count; ++i)
        if (view(kv[i].key) == key) return view(kv[i].value);
    return std::nullopt;
}

// Read-only view of a herald_provider_config, valid during validate/create.
class Config {
public:
    explicit Config(const herald_provider_config* c) : c_(c) {}
    std::string_view type() const { return view(c_->type); }
    std::string_view ns() const { return view(c_->ns); }
    std::string_view name() const { return view(c_->name); }
    std::string_view uid() const { return view(c_->uid); }
    std::string_view address() const { return view(c_->address); }
    std::string_view channel() const { return view(c_->channel); }
    std::string_view username() const { return view(c_->username); }
    uint32_t timeout_ms() const { return c_->timeout_ms; }
    std::optional<std::string_view> field(std::string_view key) const { return find_kv(c_->fields, c_->field_count, key); }
    std::optional<std::string_view> secret(std::string_view key) const {
        return find_kv(c_->secrets, c_->secret_count, key);
    }
    const herald_provider_config* raw() const { return c_; }

private:
    const herald_provider_config* c_;
};

// Collects diagnostics for the host during validate/create.
class Diagnostics {
public:
    explicit Diagnostics(const herald_diag* d) : d_(d) {}
    void error(std::string_view field, std::string_view text) { report(HERALD_LEVEL_ERROR, field, text); }
    void warning(std::string_view field, std::string_view text) { report(HERALD_LEVEL_WARNING, field, text); }
    void report(herald_level level, std::string_view field, std::string_view text) {
        if (level >= HERALD_LEVEL_ERROR) ++errors_;
        if (d_ && d_->report) d_->report(d_->ctx, level, str(field), str(text));
    }
    int errors() const { return errors_; }

private:
    const herald_diag* d_;
    int errors_ = 0;
};

// ---- exchange ----------------------------------------------------------------

// Read-only view of the event, valid during step.
class Event {
public:
    explicit Event(const herald_event* e) : e_(e) {}
    std::string_view kind() const { return view(e_->kind); }
    std::string_view ns() const { return view(e_->ns); }
    std::string_view name() const { return view(e_->name); }
    std::string_view uid() const { return view(e_->uid); }
    std::string_view api_version() const { return view(e_->api_version); }
    bool is_error() const { return e_->severity == HERALD_SEVERITY_ERROR; }
    std::string_view severity() const { return view(e_->severity_text); }
    std::string_view timestamp() const { return view(e_->timestamp); }
    int64_t timestamp_unix_ms() const { return e_->timestamp_unix_ms; }
    std::string_view message() const { return view(e_->message); }
    std::string_view reason() const { return view(e_->reason); }
    std::string_view reporting_controller() const { return view(e_->reporting_controller); }
    std::string_view reporting_instance() const { return view(e_->reporting_instance); }
    std::optional<std::string_view> metadata(std::string_view key) const {
        return find_kv(e_->metadata, e_->metadata_count, key);
    }
    // Metadata entries sorted by key.
    std::vector<std::pair<std::string_view, std::string_view>> metadata() const {
        std::vector<std::pair<std::string_view, std::string_view>> out;
        for (size_t i = 0; i < e_->metadata_count; ++i)
            out.emplace_back(view(e_->metadata[i].key), view(e_->metadata[i].value));
        return out;
    }
    std::string_view revision() const { return view(e_->revision); }
    std::string_view commit_status_id() const { return view(e_->commit_status_id); }
    std::string_view canonical_json() const { return view(e_->canonical_json); }
    const herald_event* raw() const { return e_; }

private:
    const herald_event* e_;
};

// One response to a request of the previous step.
class Response {
public:
    explicit Response(const herald_http_response* r) : r_(r) {}
    int status() const { return r_->status; }
    bool ok() const { return r_->status >= 200 && r_->status < 300; }
    std::optional<std::string_view> header(std::string_view name) const {
        for (size_t i = 0; i < r_->header_count; ++i)
            if (iequals(view(r_->headers[i].key), name)) return view(r_->headers[i].value);
        return std::nullopt;
    }
    std::string_view body() const { return view(r_->body); }

private:
    const herald_http_response* r_;
};

// A request under construction; emitted through Step::emit.
struct Request {
    std::string method = "POST";
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::vector<bool> sensitive;
    std::string body;
    uint32_t flags = 0;
    uint32_t timeout_ms = 0;

    Request& header(std::string name, std::string value, bool is_sensitive = false) {
        for (size_t i = 0; i < headers.size(); ++i) {
            if (iequals(headers[i].first, name)) {
                headers[i].second = std::move(value);
                sensitive[i] = is_sensitive;
                return *this;
            }
        }
        headers.emplace_back(std::move(name), std::move(value));
        sensitive.push_back(is_sensitive);
        return *this;
    }
};

enum class Verdict : int32_t {
    Done = HERALD_DONE,
    Send = HERALD_SEND,
    Skip = HERALD_SKIP,
    ConfigError = HERALD_E_CONFIG,
    EventError = HERALD_E_EVENT,
    Permanent = HERALD_E_PERMANENT,
    Retryable = HERALD_E_RETRYABLE,
    Internal = HERALD_E_INTERNAL,
};

// Everything one step sees and can do.
class Step {
public:
    Step(const herald_step_input* in, const herald_step_out* out) : in_(in), out_(out), event_(in->event) {}
    const Event& event() const { return event_; }
    uint32_t index() const { return in_->step; }
    uint32_t attempt() const { return in_->attempt; }
    int64_t now_unix_ms() const { return in_->now_unix_ms; }
    size_t response_count() const { return in_->response_count; }
    Response response(size_t i) const { return Response(&in_->responses[i]); }
    std::string_view state() const { return view(in_->state); }

    // Hands a request to the host; throws when the host refuses it (limit exceeded).
    void emit(const Request& r) {
        std::vector<herald_kv> kv;
        kv.reserve(r.headers.size());
        for (size_t i = 0; i < r.headers.size(); ++i)
            kv.push_back(herald_kv{str(r.headers[i].first), str(r.headers[i].second),
                                   (i < r.sensitive.size() && r.sensitive[i]) ? HERALD_KV_SENSITIVE : 0u});
        herald_http_request req{};
        req.struct_size = sizeof req;
        req.method = str(r.method);
        req.url = str(r.url);
        req.headers = kv.data();
        req.header_count = kv.size();
        req.body = bytes(r.body);
        req.flags = r.flags;
        req.timeout_ms = r.timeout_ms;
        if (out_->emit_request(out_->ctx, &req) != HERALD_OK) throw std::runtime_error("host refused the request");
    }
    void save_state(std::string_view s) {
        if (out_->save_state(out_->ctx, bytes(s)) != HERALD_OK) throw std::runtime_error("host refused the state");
    }
    void report(herald_level level, std::string_view field, std::string_view text) {
        if (out_->report) out_->report(out_->ctx, level, str(field), str(text));
    }
    // Reports `text` as the delivery's error and returns `v`, for `return step.fail(...)`.
    Verdict fail(Verdict v, std::string_view text) {
        report(HERALD_LEVEL_ERROR, "", text);
        return v;
    }
    // Classifies a non-2xx answer the way the host does for DONE requests:
    // 408, 429 and 5xx except 501 are retryable; everything else is permanent.
    static Verdict classify_status(int status) {
        if (status >= 200 && status < 300) return Verdict::Done;
        if (status == 408 || status == 429 || (status >= 500 && status != 501)) return Verdict::Retryable;
        return Verdict::Permanent;
    }
    // "request failed with status code <n>: <body>" (Flux's wording), for a failed response.
    Verdict fail_response(const Response& r) {
        std::string body(r.body().substr(0, 512));
        return fail(classify_status(r.status()), "request failed with status code " + std::to_string(r.status()) +
                                                     (body.empty() ? std::string() : ": " + body));
    }

private:
    const herald_step_input* in_;
    const herald_step_out* out_;
    Event event_;
};

// One configured Provider. Immutable after construction; `step` may run
// concurrently on the same instance.
class Provider {
public:
    virtual ~Provider() = default;
    virtual Verdict step(Step& step) const = 0;
};

// Validates `config` for types[type_index]; reports every problem to `diag`;
// returns the instance, or nullptr when `diag` got errors.
using Factory = std::unique_ptr<Provider> (*)(size_t type_index, const Config& config, Diagnostics& diag);

struct PluginSpec {
    const char* id;
    const char* name;
    const char* version;
    const char* vendor;
    const char* url;
    const char* license;
    const char* description;
    const herald_type_info* types;
    size_t type_count;
    Factory factory;
    uint32_t min_host_minor = 0;  // the entry returns NULL for an older host
};

// Shorthands for descriptor tables.
// Flags of a key read from the Provider's secret (secretRef) whose value the
// host masks everywhere: tokens, passwords, addresses with credentials.
inline constexpr uint32_t kSecretField = HERALD_FIELD_SECRET | HERALD_FIELD_SENSITIVE;

constexpr herald_field_info field(const char* name, herald_field_kind kind, uint32_t flags, const char* description,
                                  const char* default_value = nullptr) {
    return herald_field_info{sizeof(herald_field_info), name, kind, flags, default_value, description};
}
template <size_t N>
constexpr herald_type_info type(const char* type_name, const char* summary, uint32_t flags,
                                const herald_field_info (&fields)[N]) {
    return herald_type_info{sizeof(herald_type_info), type_name, summary, flags, fields, N};
}

namespace detail {

inline void log_exception(const char* where, const char* what) {
    std::string text = std::string("exception at ABI boundary in ") + where + ": " + what;
    log(HERALD_LEVEL_ERROR, text);
}

template <const PluginSpec& (*Spec)()>
struct Trampolines {
    static herald_status init(const herald_host* h) {
        host_slot() = h;
        return HERALD_OK;
    }
    static void deinit() {}
    static herald_status create_impl(size_t type_index, const herald_provider_config* cfg, const herald_diag* d,
                                     void** out) {
        if (out) *out = nullptr;
        try {
            const PluginSpec& s = Spec();
            if (type_index >= s.type_count || cfg == nullptr) return HERALD_E_INTERNAL;
            Config config(cfg);
            Diagnostics diag(d);
            std::unique_ptr<Provider> p = s.factory(type_index, config, diag);
            if (!p || diag.errors() > 0) {
                if (diag.errors() == 0) diag.error("", "provider could not be created");
                return HERALD_E_CONFIG;
            }
            if (out) *out = p.release();
            return HERALD_OK;
        } catch (const std::exception& e) {
            log_exception("create", e.what());
        } catch (...) {
            log_exception("create", "unknown exception");
        }
        return HERALD_E_INTERNAL;
    }
    static herald_status validate(size_t type_index, const herald_provider_config* cfg, const herald_diag* d) {
        void* instance = nullptr;
        herald_status st = create_impl(type_index, cfg, d, &instance);
        destroy(instance);
        return st;
    }
    static herald_status create(size_t type_index, const herald_provider_config* cfg, const herald_diag* d,
                                void** out) {
        return create_impl(type_index, cfg, d, out);
    }
    static void destroy(void* instance) {
        try {
            delete static_cast<Provider*>(instance);
        } catch (...) {
        }
    }
    static herald_status step(const void* instance, const herald_step_input* in, const herald_step_out* out) {
        if (!instance || !in || !out || !in->event) return HERALD_E_INTERNAL;
        try {
            Step step(in, out);
            return static_cast<herald_status>(static_cast<const Provider*>(instance)->step(step));
        } catch (const std::exception& e) {
            log_exception("step", e.what());
            if (out->report) {
                std::string text = std::string("plugin error: ") + e.what();
                out->report(out->ctx, HERALD_LEVEL_ERROR, str(""), str(text));
            }
        } catch (...) {
            log_exception("step", "unknown exception");
        }
        return HERALD_E_INTERNAL;
    }
    static const herald_plugin* entry(uint32_t host_minor) {
        const PluginSpec& s = Spec();
        if (host_minor < s.min_host_minor) return nullptr;
        static const herald_plugin descriptor = {
            sizeof(herald_plugin), HERALD_ABI_MAJOR, HERALD_ABI_MINOR, s.id, s.name, s.version, s.vendor, s.url,
            s.license, s.description, s.types, s.type_count, &init, &deinit, &validate, &create, &destroy, &step,
            nullptr};
        return &descriptor;
    }
};

}  // namespace detail
}  // namespace herald::sdk

// Name of the function the macro defines. A build that links several plugins
// into one binary (unit tests) defines HERALD_PLUGIN_ENTRY_NAME per plugin.
#ifndef HERALD_PLUGIN_ENTRY_NAME
#define HERALD_PLUGIN_ENTRY_NAME herald_plugin_entry_v1
#define HERALD_PLUGIN_ENTRY_LINKAGE extern "C" HERALD_EXPORT
#else
#define HERALD_PLUGIN_ENTRY_LINKAGE extern "C"
#endif

// Defines the plugin's entry point from a function returning
// `const herald::sdk::PluginSpec&` (usually a function-local static).
#define HERALD_PLUGIN(spec_function)                                                          \
    HERALD_PLUGIN_ENTRY_LINKAGE const herald_plugin* HERALD_PLUGIN_ENTRY_NAME(uint32_t minor) { \
        return ::herald::sdk::detail::Trampolines<&spec_function>::entry(minor);             \
    }

#endif  // HERALD_SDK_HPP
