// herald test kit: a fake host and step driver for plugin tests (Catch2 or any
// framework), and a golden-case runner over testdata/<case>/ folders.
//
// Header-only; needs nlohmann-json. No network: canned responses stand in for
// the receivers, so a test sees exactly the requests a plugin would send.
//
// A golden case is a folder with:
//   provider.json   {"type","namespace","name","uid","address","channel","username",
//                    "timeout_ms","fields":{..},"secrets":{..},"now_unix_ms","attempt"}
//   event.json      the event as the plugin receives it (Flux event JSON, metadata
//                   already unprefixed and merged with the Alert's)
//   responses.json  optional: [[{"status":200,"headers":{..},"body":".."}], ...];
//                   element k answers the requests emitted by step k
//   expected.json   what the plugin did: diagnostics, each step's verdict and
//                   requests (bodies byte for byte), the final verdict and error
// Set HERALD_APPROVE=1 to (re)write expected.json from the current behaviour.
#ifndef HERALD_TESTKIT_HPP
#define HERALD_TESTKIT_HPP

#include <herald/plugin.h>
#include <herald/sdk.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace herald::testkit {

// ---- SHA-256 / HMAC (so the kit needs no crypto library) --------------------

namespace detail {
class Sha256 {
public:
    Sha256() { reset(); }
    void reset() {
        h_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
        len_ = 0;
        buf_.clear();
    }
    void update(const uint8_t* d, size_t n) {
        len_ += n;
        buf_.insert(buf_.end(), d, d + n);
        size_t off = 0;
        while (buf_.size() - off >= 64) {
            block(buf_.data() + off);
            off += 64;
        }
        buf_.erase(buf_.begin(), buf_.begin() + off);
    }
    std::array<uint8_t, 32> finish() {
        uint64_t bits = len_ * 8;
        uint8_t pad = 0x80;
        update(&pad, 1);
        uint8_t zero = 0;
        while (buf_.size() != 56) update(&zero, 1);
        uint8_t l[8];
        for (int i = 0; i < 8; ++i) l[i] = uint8_t(bits >> (56 - 8 * i));
        update(l, 8);
        std::array<uint8_t, 32> out{};
        for (int i = 0; i < 8; ++i)
            for (int j = 0; j < 4; ++j) out[i * 4 + j] = uint8_t(h_[i] >> (24 - 8 * j));
        return out;
    }

private:
    static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
    void block(const uint8_t* p) {
        static const uint32_t k[64] = {
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
            0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
            0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
            0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
            0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
            0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
            0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
        uint32_t w[64];
        for (int i = 0; i < 16; ++i)
            w[i] = (uint32_t(p[4 * i]) << 24) | (uint32_t(p[4 * i + 1]) << 16) | (uint32_t(p[4 * i + 2]) << 8) |
                   uint32_t(p[4 * i + 3]);
        for (int i = 16; i < 64; ++i) {
            uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6], h = h_[7];
        for (int i = 0; i < 64; ++i) {
            uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
            uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
        }
        h_[0] += a; h_[1] += b; h_[2] += c; h_[3] += d; h_[4] += e; h_[5] += f; h_[6] += g; h_[7] += h;
    }
    std::array<uint32_t, 8> h_;
    uint64_t len_;
    std::vector<uint8_t> buf_;
};

inline std::array<uint8_t, 32> hmac_sha256(herald_bytes key, herald_bytes data) {
    uint8_t k[64] = {0};
    if (key.size > 64) {
        Sha256 s;
        s.update(key.data, key.size);
        auto d = s.finish();
        std::copy(d.begin(), d.end(), k);
    } else if (key.size) {
        std::copy(key.data, key.data + key.size, k);
    }
    uint8_t ipad[64], opad[64];
    for (int i = 0; i < 64; ++i) {
        ipad[i] = k[i] ^ 0x36;
        opad[i] = k[i] ^ 0x5c;
    }
    Sha256 inner;
    inner.update(ipad, 64);
    if (data.size) inner.update(data.data, data.size);
    auto ih = inner.finish();
    Sha256 outer;
    outer.update(opad, 64);
    outer.update(ih.data(), ih.size());
    return outer.finish();
}
}  // namespace detail

// ---- the fake host --------------------------------------------------------

struct LogLine {
    herald_level level;
    std::string text;
};

// One process-wide fake host: plugins keep the host pointer from init.
class FakeHost {
public:
    static FakeHost& instance() {
        static FakeHost h;
        return h;
    }
    const herald_host* get() const { return &host_; }
    std::vector<LogLine> logs;

private:
    FakeHost() {
        host_.struct_size = sizeof host_;
        host_.abi_major = HERALD_ABI_MAJOR;
        host_.abi_minor = HERALD_ABI_MINOR;
        host_.host_name = "herald-testkit";
        host_.host_version = "0";
        host_.host_data = this;
        host_.log = [](const herald_host* h, herald_level level, herald_str text) {
            static_cast<FakeHost*>(h->host_data)->logs.push_back({level, std::string(sdk::view(text))});
        };
        host_.hmac_sha256 = [](const herald_host*, herald_bytes key, herald_bytes data, uint8_t out[32]) {
            auto d = detail::hmac_sha256(key, data);
            std::copy(d.begin(), d.end(), out);
            return herald_status(HERALD_OK);
        };
        host_.get_extension = [](const herald_host*, const char*) -> const void* { return nullptr; };
    }
    herald_host host_{};
};

// ---- plugin handle ------------------------------------------------------------

// A plugin under test, from its entry function or a .so path (never unloaded).
class Plugin {
public:
    explicit Plugin(herald_plugin_entry_fn entry) { adopt(entry ? entry(HERALD_ABI_MINOR) : nullptr); }
    static Plugin load(const std::string& path) {
        void* h = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!h) throw std::runtime_error(std::string("dlopen failed: ") + ::dlerror());
        auto entry = reinterpret_cast<herald_plugin_entry_fn>(::dlsym(h, HERALD_ENTRY_SYMBOL));
        if (!entry) throw std::runtime_error(path + ": no " HERALD_ENTRY_SYMBOL);
        return Plugin(entry);
    }
    const herald_plugin& descriptor() const { return *d_; }
    // Index of `type` in the descriptor; throws when not served.
    size_t type_index(std::string_view type) const {
        for (size_t i = 0; i < d_->type_count; ++i)
            if (type == d_->types[i].type) return i;
        throw std::runtime_error("plugin does not serve type " + std::string(type));
    }

private:
    void adopt(const herald_plugin* d) {
        if (!d) throw std::runtime_error("plugin entry returned NULL");
        d_ = d;
        if (d_->init(FakeHost::instance().get()) != HERALD_OK) throw std::runtime_error("plugin init failed");
    }
    const herald_plugin* d_ = nullptr;
};

// ---- inputs -----------------------------------------------------------------

struct ProviderInput {
    std::string type, ns = "default", name = "test", uid = "0c9c2e41-d2f9-4f9b-9c1e-8d6b5e1c2a3f";
    std::string address, channel, username;
    uint32_t timeout_ms = 15000;
    std::map<std::string, std::string> fields, secrets;
    int64_t now_unix_ms = 1714557600000;  // 2024-05-01T10:00:00Z
    uint32_t attempt = 0;

    static ProviderInput from_json(const nlohmann::json& j) {
        ProviderInput p;
        p.type = j.value("type", "");
        p.ns = j.value("namespace", p.ns);
        p.name = j.value("name", p.name);
        p.uid = j.value("uid", p.uid);
        p.address = j.value("address", "");
        p.channel = j.value("channel", "");
        p.username = j.value("username", "");
        p.timeout_ms = j.value("timeout_ms", p.timeout_ms);
        if (j.contains("fields")) p.fields = j["fields"].get<std::map<std::string, std::string>>();
        if (j.contains("secrets")) p.secrets = j["secrets"].get<std::map<std::string, std::string>>();
        p.now_unix_ms = j.value("now_unix_ms", p.now_unix_ms);
        p.attempt = j.value("attempt", p.attempt);
        return p;
    }
};

// The event as the host hands it to a plugin, built from Flux event JSON.
class EventInput {
public:
    EventInput(const nlohmann::json& j, std::string_view provider_uid) {
        auto obj = j.value("involvedObject", nlohmann::json::object());
        kind_ = obj.value("kind", "");
        ns_ = obj.value("namespace", "");
        name_ = obj.value("name", "");
        uid_ = obj.value("uid", "");
        api_version_ = obj.value("apiVersion", "");
        resource_version_ = obj.value("resourceVersion", "");
        field_path_ = obj.value("fieldPath", "");
        severity_ = j.value("severity", "");
        timestamp_ = j.contains("timestamp") && j["timestamp"].is_string() ? j["timestamp"].get<std::string>() : "";
        message_ = j.value("message", "");
        reason_ = j.value("reason", "");
        controller_ = j.value("reportingController", "");
        instance_ = j.value("reportingInstance", "");
        if (j.contains("metadata") && j["metadata"].is_object())
            metadata_ = j["metadata"].get<std::map<std::string, std::string>>();
        for (const char* key : {"commit", "originRevision", "revision"}) {
            auto it = metadata_.find(key);
            if (it != metadata_.end()) {
                revision_ = it->second;
                break;
            }
        }
        std::string uid_prefix(provider_uid.substr(0, provider_uid.find('-')));
        status_id_ = sdk::to_lower(kind_ + "/" + name_ + "/" + uid_prefix);
        canonical_ = encode();
        for (auto& [k, v] : metadata_) kv_.push_back(herald_kv{sdk::str(k), sdk::str(v), 0});
        ev_.struct_size = sizeof ev_;
        ev_.kind = sdk::str(kind_);
        ev_.ns = sdk::str(ns_);
        ev_.name = sdk::str(name_);
        ev_.uid = sdk::str(uid_);
        ev_.api_version = sdk::str(api_version_);
        ev_.resource_version = sdk::str(resource_version_);
        ev_.severity = severity_ == "info"    ? HERALD_SEVERITY_INFO
                       : severity_ == "error" ? HERALD_SEVERITY_ERROR
                       : severity_ == "trace" ? HERALD_SEVERITY_TRACE
                                              : HERALD_SEVERITY_OTHER;
        ev_.severity_text = sdk::str(severity_);
        ev_.timestamp = sdk::str(timestamp_);
        ev_.timestamp_unix_ms = 0;
        ev_.message = sdk::str(message_);
        ev_.reason = sdk::str(reason_);
        ev_.reporting_controller = sdk::str(controller_);
        ev_.reporting_instance = sdk::str(instance_);
        ev_.metadata = kv_.data();
        ev_.metadata_count = kv_.size();
        ev_.revision = sdk::str(revision_);
        ev_.commit_status_id = sdk::str(status_id_);
        ev_.canonical_json = sdk::str(canonical_);
    }
    EventInput(const EventInput&) = delete;
    EventInput& operator=(const EventInput&) = delete;
    const herald_event* get() const { return &ev_; }
    const std::string& canonical_json() const { return canonical_; }

private:
    // Go's encoding of the Flux event (reference §1.1).
    std::string encode() const {
        sdk::JsonWriter w;
        w.begin_object().key("involvedObject").begin_object();
        auto opt = [&](const char* k, const std::string& v) {
            if (!v.empty()) w.member(k, v);
        };
        opt("kind", kind_);
        opt("namespace", ns_);
        opt("name", name_);
        opt("uid", uid_);
        opt("apiVersion", api_version_);
        opt("resourceVersion", resource_version_);
        opt("fieldPath", field_path_);
        w.end_object();
        w.member("severity", severity_);
        if (timestamp_.empty())
            w.key("timestamp").null();
        else
            w.member("timestamp", timestamp_);
        w.member("message", message_).member("reason", reason_);
        if (!metadata_.empty()) {
            w.key("metadata").begin_object();
            for (auto& [k, v] : metadata_) w.member(k, v);
            w.end_object();
        }
        w.member("reportingController", controller_);
        opt("reportingInstance", instance_);
        w.end_object();
        return w.take();
    }
    std::string kind_, ns_, name_, uid_, api_version_, resource_version_, field_path_, severity_, timestamp_,
        message_, reason_, controller_, instance_, revision_, status_id_, canonical_;
    std::map<std::string, std::string> metadata_;
    std::vector<herald_kv> kv_;
    herald_event ev_{};
};

struct CannedResponse {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    static CannedResponse from_json(const nlohmann::json& j) {
        CannedResponse r;
        r.status = j.value("status", 200);
        if (j.contains("headers"))
            for (auto& [k, v] : j["headers"].items()) r.headers.emplace_back(k, v.get<std::string>());
        if (j.contains("body")) r.body = j["body"].is_string() ? j["body"].get<std::string>() : j["body"].dump();
        return r;
    }
};

// ---- outputs ---------------------------------------------------------------

struct EmittedRequest {
    std::string method, url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::vector<bool> sensitive;
    std::string body;
    uint32_t flags = 0, timeout_ms = 0;
};

struct Report {
    herald_level level;
    std::string field, text;
};

struct StepRecord {
    herald_status verdict = HERALD_E_INTERNAL;
    std::vector<EmittedRequest> requests;
    std::string state;
    std::vector<Report> reports;
};

struct ExchangeRecord {
    bool created = false;
    std::vector<Report> diagnostics;  // from create
    std::vector<StepRecord> steps;
    herald_status verdict = HERALD_E_INTERNAL;  // the final verdict
    std::string error;                          // error-level reports of the last step, or the driver's complaint
};

inline const char* verdict_name(herald_status v) {
    switch (v) {
        case HERALD_DONE: return "DONE";
        case HERALD_SEND: return "SEND";
        case HERALD_SKIP: return "SKIP";
        case HERALD_E_CONFIG: return "E_CONFIG";
        case HERALD_E_EVENT: return "E_EVENT";
        case HERALD_E_PERMANENT: return "E_PERMANENT";
        case HERALD_E_RETRYABLE: return "E_RETRYABLE";
        case HERALD_E_INTERNAL: return "E_INTERNAL";
        default: return "UNKNOWN";
    }
}

// ---- the driver ---------------------------------------------------------------

// Runs one exchange like the host does: create the instance, step until a
// verdict other than SEND, feeding `responses[k]` after step k.
class StepDriver {
public:
    explicit StepDriver(const Plugin& plugin) : plugin_(plugin) {}

    ExchangeRecord run(const ProviderInput& p, const nlohmann::json& event_json,
                       const std::vector<std::vector<CannedResponse>>& responses, uint32_t max_steps = 8) const {
        ExchangeRecord rec;
        const herald_plugin& d = plugin_.descriptor();
        size_t ti = plugin_.type_index(p.type);
        std::vector<herald_kv> fields, secrets;
        for (auto& [k, v] : p.fields) fields.push_back({sdk::str(k), sdk::str(v), 0});
        for (auto& [k, v] : p.secrets) secrets.push_back({sdk::str(k), sdk::str(v), HERALD_KV_SENSITIVE});
        herald_provider_config cfg{};
        cfg.struct_size = sizeof cfg;
        cfg.type = sdk::str(p.type);
        cfg.ns = sdk::str(p.ns);
        cfg.name = sdk::str(p.name);
        cfg.uid = sdk::str(p.uid);
        cfg.address = sdk::str(p.address);
        cfg.channel = sdk::str(p.channel);
        cfg.username = sdk::str(p.username);
        cfg.timeout_ms = p.timeout_ms;
        cfg.fields = fields.data();
        cfg.field_count = fields.size();
        cfg.secrets = secrets.data();
        cfg.secret_count = secrets.size();
        herald_diag diag{sizeof(herald_diag), &rec.diagnostics, &report_into};
        void* instance = nullptr;
        herald_status st = d.create(ti, &cfg, &diag, &instance);
        if (st != HERALD_OK || !instance) {
            rec.verdict = st == HERALD_OK ? HERALD_E_INTERNAL : st;
            rec.error = join_errors(rec.diagnostics);
            return rec;
        }
        rec.created = true;
        EventInput event(event_json, p.uid);
        std::string state;
        std::vector<CannedResponse> previous;
        for (uint32_t step = 0; step < max_steps; ++step) {
            StepRecord sr;
            std::vector<std::vector<herald_kv>> header_store;
            std::vector<herald_http_response> resp;
            header_store.reserve(previous.size());
            for (auto& r : previous) {
                header_store.emplace_back();
                for (auto& [k, v] : r.headers) header_store.back().push_back({sdk::str(k), sdk::str(v), 0});
                herald_http_response hr{};
                hr.struct_size = sizeof hr;
                hr.status = r.status;
                hr.headers = header_store.back().data();
                hr.header_count = header_store.back().size();
                hr.body = sdk::bytes(r.body);
                resp.push_back(hr);
            }
            herald_step_input in{};
            in.struct_size = sizeof in;
            in.event = event.get();
            in.step = step;
            in.attempt = p.attempt;
            in.now_unix_ms = p.now_unix_ms;
            in.responses = resp.data();
            in.response_count = resp.size();
            in.state = sdk::bytes(state);
            herald_step_out out{sizeof(herald_step_out), &sr, &emit_into, &save_into, &report_step};
            sr.verdict = d.step(instance, &in, &out);
            state = sr.state;
            rec.steps.push_back(sr);
            rec.verdict = sr.verdict;
            if (sr.verdict != HERALD_SEND) {
                rec.error = join_errors(sr.reports);
                break;
            }
            if (step >= responses.size()) {
                rec.error = "testkit: no canned responses for the requests of step " + std::to_string(step);
                break;
            }
            previous = responses[step];
        }
        d.destroy(instance);
        return rec;
    }

private:
    static void report_into(void* ctx, herald_level level, herald_str field, herald_str text) {
        static_cast<std::vector<Report>*>(ctx)->push_back(
            {level, std::string(sdk::view(field)), std::string(sdk::view(text))});
    }
    static void report_step(void* ctx, herald_level level, herald_str field, herald_str text) {
        static_cast<StepRecord*>(ctx)->reports.push_back(
            {level, std::string(sdk::view(field)), std::string(sdk::view(text))});
    }
    static herald_status emit_into(void* ctx, const herald_http_request* r) {
        EmittedRequest e;
        e.method = std::string(sdk::view(r->method));
        e.url = std::string(sdk::view(r->url));
        for (size_t i = 0; i < r->header_count; ++i) {
            e.headers.emplace_back(std::string(sdk::view(r->headers[i].key)), std::string(sdk::view(r->headers[i].value)));
            e.sensitive.push_back((r->headers[i].flags & HERALD_KV_SENSITIVE) != 0);
        }
        e.body = std::string(sdk::view(r->body));
        e.flags = r->flags;
        e.timeout_ms = r->timeout_ms;
        static_cast<StepRecord*>(ctx)->requests.push_back(std::move(e));
        return HERALD_OK;
    }
    static herald_status save_into(void* ctx, herald_bytes state) {
        static_cast<StepRecord*>(ctx)->state = std::string(sdk::view(state));
        return HERALD_OK;
    }
    static std::string join_errors(const std::vector<Report>& reports) {
        std::string out;
        for (auto& r : reports) {
            if (r.level < HERALD_LEVEL_ERROR) continue;
            if (!out.empty()) out += "; ";
            out += r.field.empty() ? r.text : r.field + ": " + r.text;
        }
        return out;
    }
    const Plugin& plugin_;
};

// ---- golden cases ---------------------------------------------------------------

inline std::string read_file(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    if (!f) throw std::runtime_error("cannot read " + p.string());
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

// The record as the JSON text stored in expected.json.
inline std::string to_expected_json(const ExchangeRecord& rec) {
    using nlohmann::ordered_json;
    ordered_json j;
    j["created"] = rec.created;
    ordered_json diags = ordered_json::array();
    for (auto& d : rec.diagnostics)
        diags.push_back(ordered_json{{"level", d.level}, {"field", d.field}, {"text", d.text}});
    j["diagnostics"] = diags;
    ordered_json steps = ordered_json::array();
    for (auto& s : rec.steps) {
        ordered_json sj;
        sj["verdict"] = verdict_name(s.verdict);
        ordered_json reqs = ordered_json::array();
        for (auto& r : s.requests) {
            ordered_json rj;
            rj["method"] = r.method;
            rj["url"] = r.url;
            ordered_json hs = ordered_json::array();
            for (size_t i = 0; i < r.headers.size(); ++i) {
                ordered_json h = ordered_json::array({r.headers[i].first, r.headers[i].second});
                if (r.sensitive[i]) h.push_back("sensitive");
                hs.push_back(h);
            }
            rj["headers"] = hs;
            rj["body"] = r.body;
            if (r.flags) rj["flags"] = r.flags;
            if (r.timeout_ms) rj["timeout_ms"] = r.timeout_ms;
            reqs.push_back(rj);
        }
        sj["requests"] = reqs;
        if (!s.state.empty()) sj["state"] = s.state;
        ordered_json reps = ordered_json::array();
        for (auto& r : s.reports)
            reps.push_back(ordered_json{{"level", r.level}, {"field", r.field}, {"text", r.text}});
        if (!reps.empty()) sj["reports"] = reps;
        steps.push_back(sj);
    }
    j["steps"] = steps;
    j["verdict"] = verdict_name(rec.verdict);
    j["error"] = rec.error;
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

struct GoldenResult {
    std::string name;
    bool passed = false;
    std::string expected, actual;  // JSON texts
    std::string message;
};

// Runs one testdata/<case>/ folder; with HERALD_APPROVE=1 rewrites expected.json.
inline GoldenResult run_golden_case(const Plugin& plugin, const std::filesystem::path& dir) {
    GoldenResult g;
    g.name = dir.filename().string();
    try {
        auto provider = ProviderInput::from_json(nlohmann::json::parse(read_file(dir / "provider.json")));
        auto event = nlohmann::json::parse(read_file(dir / "event.json"));
        std::vector<std::vector<CannedResponse>> responses;
        if (std::filesystem::exists(dir / "responses.json")) {
            for (auto& step : nlohmann::json::parse(read_file(dir / "responses.json"))) {
                responses.emplace_back();
                for (auto& r : step) responses.back().push_back(CannedResponse::from_json(r));
            }
        }
        g.actual = to_expected_json(StepDriver(plugin).run(provider, event, responses));
        const char* approve = std::getenv("HERALD_APPROVE");
        if (approve && std::string(approve) == "1") {
            std::ofstream(dir / "expected.json", std::ios::binary) << g.actual;
        }
        g.expected = std::filesystem::exists(dir / "expected.json") ? read_file(dir / "expected.json") : "";
        g.passed = g.expected == g.actual;
        if (!g.passed) g.message = g.expected.empty() ? "no expected.json (run with HERALD_APPROVE=1)" : "output differs";
    } catch (const std::exception& e) {
        g.message = e.what();
    }
    return g;
}

// Every case folder under `testdata`, sorted by name.
inline std::vector<std::filesystem::path> golden_cases(const std::filesystem::path& testdata) {
    std::vector<std::filesystem::path> out;
    for (auto& e : std::filesystem::directory_iterator(testdata))
        if (e.is_directory()) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

// The whole main() of a golden test executable:
//   <exe> PLUGIN.so CASE_DIR...     runs the given case folders
//   <exe> PLUGIN.so TESTDATA_DIR    runs every case folder under it (when it holds no provider.json)
// Prints a diff-friendly expected/actual pair per failing case; returns 0 when
// every case passed, 1 otherwise, 2 on usage errors.
inline int golden_main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s PLUGIN.so CASE_DIR... | TESTDATA_DIR\n", argc > 0 ? argv[0] : "golden");
        return 2;
    }
    try {
        const Plugin plugin = Plugin::load(argv[1]);
        std::vector<std::filesystem::path> cases;
        for (int i = 2; i < argc; ++i) {
            std::filesystem::path p(argv[i]);
            if (std::filesystem::exists(p / "provider.json")) {
                cases.push_back(p);
            } else {
                auto under = golden_cases(p);
                cases.insert(cases.end(), under.begin(), under.end());
            }
        }
        int failed = 0;
        for (const auto& dir : cases) {
            GoldenResult r = run_golden_case(plugin, dir);
            if (r.passed) {
                std::printf("ok    %s\n", r.name.c_str());
                continue;
            }
            ++failed;
            std::printf("FAIL  %s: %s\n--- expected\n%s\n--- actual\n%s\n", r.name.c_str(), r.message.c_str(),
                        r.expected.c_str(), r.actual.c_str());
        }
        if (cases.empty()) {
            std::fprintf(stderr, "no golden cases found\n");
            return 1;
        }
        return failed == 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "golden: %s\n", e.what());
        return 1;
    }
}

}  // namespace herald::testkit

#endif  // HERALD_TESTKIT_HPP
