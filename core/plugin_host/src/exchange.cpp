// The exchange runner: drives a plugin's steps, sends what it asks for, and
// turns the end of the conversation into an Outcome (plugin-abi.md §3.4).
#include <herald/plugin_host/exchange.hpp>

#include "loaded_plugin.hpp"

#include <herald/plugin_host/masking.hpp>
#include <herald/sdk.hpp>

#include <algorithm>

namespace herald::plugin_host {

namespace {

using herald::sdk::iequals;
using herald::sdk::view;

herald_str hstr(const std::string& s) { return herald_str{s.c_str(), s.size()}; }
herald_bytes hbytes(const std::string& s) { return herald_bytes{reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

int32_t severity_code(std::string_view s) {
    if (iequals(s, "info")) return HERALD_SEVERITY_INFO;
    if (iequals(s, "error")) return HERALD_SEVERITY_ERROR;
    if (iequals(s, "trace")) return HERALD_SEVERITY_TRACE;
    return HERALD_SEVERITY_OTHER;
}

// The herald_event handed to every step; points into the EventData.
class EventBlock {
public:
    explicit EventBlock(const EventData& e) {
        std::vector<const std::pair<std::string, std::string>*> sorted;
        for (const auto& kv : e.metadata) sorted.push_back(&kv);
        std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
        for (auto* kv : sorted) metadata_.push_back(herald_kv{hstr(kv->first), hstr(kv->second), 0u});
        ev_.struct_size = sizeof(herald_event);
        ev_.kind = hstr(e.kind);
        ev_.ns = hstr(e.ns);
        ev_.name = hstr(e.name);
        ev_.uid = hstr(e.uid);
        ev_.api_version = hstr(e.api_version);
        ev_.resource_version = hstr(e.resource_version);
        ev_.severity = severity_code(e.severity);
        ev_.severity_text = hstr(e.severity);
        ev_.timestamp = hstr(e.timestamp);
        ev_.timestamp_unix_ms = e.timestamp_unix_ms;
        ev_.message = hstr(e.message);
        ev_.reason = hstr(e.reason);
        ev_.reporting_controller = hstr(e.reporting_controller);
        ev_.reporting_instance = hstr(e.reporting_instance);
        ev_.metadata = metadata_.empty() ? nullptr : metadata_.data();
        ev_.metadata_count = metadata_.size();
        ev_.revision = hstr(e.revision);
        ev_.commit_status_id = hstr(e.commit_status_id);
        ev_.canonical_json = hstr(e.canonical_json);
    }
    const herald_event* get() const { return &ev_; }

private:
    std::vector<herald_kv> metadata_;
    herald_event ev_{};
};

// The replies of one step as herald_http_response, for the next step.
class ResponseBlock {
public:
    explicit ResponseBlock(const std::vector<Reply>& replies) {
        headers_.reserve(replies.size());
        for (const Reply& r : replies) {
            std::vector<herald_kv> kv;
            for (const auto& [name, value] : r.headers) kv.push_back(herald_kv{hstr(name), hstr(value), 0u});
            headers_.push_back(std::move(kv));
            herald_http_response resp{};
            resp.struct_size = sizeof resp;
            resp.status = r.status;
            resp.headers = headers_.back().empty() ? nullptr : headers_.back().data();
            resp.header_count = headers_.back().size();
            resp.body = hbytes(r.body);
            responses_.push_back(resp);
        }
    }
    const herald_http_response* data() const { return responses_.empty() ? nullptr : responses_.data(); }
    size_t size() const { return responses_.size(); }

private:
    std::vector<std::vector<herald_kv>> headers_;
    std::vector<herald_http_response> responses_;
};

// Headers the host owns: framing, connection management and proxying.
bool stripped_header(std::string_view name) {
    static const char* const names[] = {"host", "connection", "transfer-encoding", "content-length",
                                        "keep-alive", "te", "trailer", "upgrade"};
    for (const char* n : names)
        if (iequals(name, n)) return true;
    return name.size() >= 6 && iequals(name.substr(0, 6), "proxy-");
}

bool valid_token(std::string_view s) {
    if (s.empty()) return false;
    static const std::string_view extra = "!#$%&'*+-.^_`|~";
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               extra.find(c) != std::string_view::npos;
    });
}

bool has_control(std::string_view s, bool allow_tab) {
    return std::any_of(s.begin(), s.end(), [&](char c) {
        auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && !(allow_tab && c == '\t')) || u == 0x7f;
    });
}

// Everything one step hands back through herald_step_out.
class StepSink {
public:
    explicit StepSink(const ProviderInstance& instance) : instance_(instance) {
        out_.struct_size = sizeof out_;
        out_.ctx = this;
        out_.emit_request = &StepSink::emit_request;
        out_.save_state = &StepSink::save_state;
        out_.report = &StepSink::report;
    }
    const herald_step_out* get() const { return &out_; }

    std::vector<OutgoingRequest> requests;
    std::optional<std::string> state;  // set when the step saved one
    std::vector<std::string> errors;   // error-level reports, masked
    std::string violation;             // first host limit the plugin broke

private:
    herald_status refuse(std::string why) {
        if (violation.empty()) violation = instance_.mask(why);
        return HERALD_E_INTERNAL;
    }

    herald_status add_request(const herald_http_request* req) {
        if (!violation.empty()) return HERALD_E_INTERNAL;
        if (!req || !HERALD_HAS_FIELD(req, herald_http_request, body))
            return refuse("request struct is missing or too small");
        if (requests.size() >= kMaxRequestsPerStep)
            return refuse("more than " + std::to_string(kMaxRequestsPerStep) + " requests in one step");
        if (req->body.size > kMaxBodyBytes)
            return refuse("request body of " + std::to_string(req->body.size) + " bytes exceeds the 1 MiB limit");
        OutgoingRequest out;
        out.method = std::string(view(req->method));
        out.url = std::string(view(req->url));
        if (!valid_token(out.method)) return refuse("request method \"" + out.method + "\" is not valid");
        if (has_control(out.url, false) || out.url.find(' ') != std::string::npos || !sdk::parse_url(out.url))
            return refuse("request URL \"" + out.url + "\" is not an absolute http(s) URL");
        if (req->header_count > 0 && !req->headers) return refuse("request has header_count but no headers");
        for (size_t i = 0; i < req->header_count; ++i) {
            const herald_kv& h = req->headers[i];
            std::string name(view(h.key)), value(view(h.value));
            if (!valid_token(name)) return refuse("request header name \"" + name + "\" is not valid");
            if (has_control(value, true)) return refuse("request header " + name + " contains control characters");
            if (stripped_header(name)) continue;
            bool sensitive = (h.flags & HERALD_KV_SENSITIVE) || iequals(name, "authorization") ||
                             instance_.contains_secret(value);
            out.headers.push_back(Header{std::move(name), std::move(value), sensitive});
        }
        out.body = std::string(view(req->body));
        bool has_flags = HERALD_HAS_FIELD(req, herald_http_request, flags);
        bool has_timeout = HERALD_HAS_FIELD(req, herald_http_request, timeout_ms);
        out.idempotent = has_flags && (req->flags & HERALD_REQ_IDEMPOTENT);
        out.timeout_ms = (has_timeout && req->timeout_ms) ? req->timeout_ms : instance_.timeout_ms();
        requests.push_back(std::move(out));
        return HERALD_OK;
    }

    herald_status set_state(herald_bytes s) {
        if (s.size > kMaxStateBytes)
            return refuse("state of " + std::to_string(s.size) + " bytes exceeds the 64 KiB limit");
        state = std::string(view(s));
        return HERALD_OK;
    }

    void add_report(herald_level level, herald_str field, herald_str text) {
        std::string line = std::string(view(text));
        if (field.size) line = std::string(view(field)) + ": " + line;
        line = instance_.mask(line);
        if (level >= HERALD_LEVEL_ERROR) {
            errors.push_back(std::move(line));
            return;
        }
        const HostContext& host = *instance_.plugin().host;
        if (host.log) host.log(static_cast<Level>(std::max<herald_level>(level, HERALD_LEVEL_DEBUG)), host.plugin_id, line);
    }

    // The C callbacks: nothing may unwind into the plugin.
    static herald_status emit_request(void* ctx, const herald_http_request* req) {
        try {
            return static_cast<StepSink*>(ctx)->add_request(req);
        } catch (...) {
            return HERALD_E_INTERNAL;
        }
    }
    static herald_status save_state(void* ctx, herald_bytes s) {
        try {
            return static_cast<StepSink*>(ctx)->set_state(s);
        } catch (...) {
            return HERALD_E_INTERNAL;
        }
    }
    static void report(void* ctx, herald_level level, herald_str field, herald_str text) {
        try {
            static_cast<StepSink*>(ctx)->add_report(level, field, text);
        } catch (...) {
        }
    }

    const ProviderInstance& instance_;
    herald_step_out out_{};
};

std::optional<std::string> header_value(const Reply& r, std::string_view name) {
    for (const auto& [k, v] : r.headers)
        if (iequals(k, name)) return v;
    return std::nullopt;
}

bool is_success(int status) { return status >= 200 && status < 300; }
bool is_retryable_status(int status) { return status == 408 || status == 429 || (status >= 500 && status != 501); }

std::string status_error(const Reply& r) {
    std::string text = "request failed with status code " + std::to_string(r.status);
    if (!r.body.empty()) text += ": " + r.body.substr(0, 512);
    return text;
}

class Exchange {
public:
    Exchange(const ProviderInstance& instance, const EventData& event, uint32_t attempt, int64_t now,
             const Sender& send)
        : instance_(instance), event_(event), attempt_(attempt), now_(now), send_(send) {}

    ExchangeResult run() {
        std::vector<Reply> replies;
        std::string state;
        for (uint32_t step = 0;; ++step) {
            if (step >= static_cast<uint32_t>(kMaxSteps))
                return end(Outcome::Internal,
                           "protocol error: exchange needs more than " + std::to_string(kMaxSteps) + " steps");
            StepSink sink(instance_);
            herald_status verdict = call_step(step, replies, state, sink);
            ++result_.steps;
            errors_.insert(errors_.end(), sink.errors.begin(), sink.errors.end());
            if (!sink.violation.empty()) return end(Outcome::Internal, sink.violation);
            if (sink.state) state = *sink.state;
            switch (verdict) {
                case HERALD_DONE: return finish(sink.requests);
                case HERALD_SKIP: return end(Outcome::Skipped, "");
                case HERALD_SEND: break;
                default: return error_verdict(verdict, replies);
            }
            if (sink.requests.empty()) return end(Outcome::Internal, "protocol error: SEND without requests");
            std::vector<Reply> next;
            for (const OutgoingRequest& req : sink.requests) {
                next.push_back(send(req));
                if (!next.back().delivered) return transport_failure(req, next.back());
            }
            replies = std::move(next);
        }
    }

private:
    herald_status call_step(uint32_t step, const std::vector<Reply>& replies, const std::string& state,
                            StepSink& sink) {
        ResponseBlock responses(replies);
        herald_step_input in{};
        in.struct_size = sizeof in;
        in.event = event_.get();
        in.step = step;
        in.attempt = attempt_;
        in.now_unix_ms = now_;
        in.responses = responses.data();
        in.response_count = responses.size();
        in.state = hbytes(state);
        try {
            return instance_.plugin().descriptor->step(instance_.handle(), &in, sink.get());
        } catch (...) {
            sink.errors.push_back("plugin step threw an exception");
            return HERALD_E_INTERNAL;
        }
    }

    Reply send(const OutgoingRequest& req) {
        result_.sent.push_back(req);
        ++result_.requests;
        try {
            return send_(req);
        } catch (const std::exception& e) {
            Reply r;
            r.transport_error = e.what();
            return r;
        }
    }

    // DONE: send what is left and judge each answer by the default rules.
    ExchangeResult finish(const std::vector<OutgoingRequest>& requests) {
        for (const OutgoingRequest& req : requests) {
            Reply r = send(req);
            if (!r.delivered) return transport_failure(req, r);
            if (is_success(r.status)) continue;
            if (is_retryable_status(r.status)) {
                result_.retry_after = header_value(r, "Retry-After");
                return end(Outcome::Retry, status_error(r));
            }
            return end(Outcome::Permanent, status_error(r));
        }
        return end(Outcome::Delivered, "");
    }

    // Transport errors are retried, except those the sender marked permanent
    // (certificate rejected, egress denied, invalid request).
    ExchangeResult transport_failure(const OutgoingRequest& req, const Reply& r) {
        std::string why = r.transport_error.empty() ? "transport error" : r.transport_error;
        return end(r.permanent ? Outcome::Permanent : Outcome::Retry, req.method + " " + req.url + ": " + why);
    }

    ExchangeResult error_verdict(herald_status verdict, const std::vector<Reply>& replies) {
        switch (verdict) {
            case HERALD_E_CONFIG: return end(Outcome::ConfigError, reported("plugin reported a configuration error"));
            case HERALD_E_EVENT: return end(Outcome::EventError, reported("event cannot be delivered by this provider"));
            case HERALD_E_PERMANENT: return end(Outcome::Permanent, reported("receiver refused the delivery"));
            case HERALD_E_RETRYABLE:
                for (const Reply& r : replies) {
                    if (is_success(r.status)) continue;
                    if ((result_.retry_after = header_value(r, "Retry-After"))) break;
                }
                return end(Outcome::Retry, reported("plugin asked to retry"));
            case HERALD_E_INTERNAL: return end(Outcome::Internal, reported("plugin internal error"));
            default:
                return end(Outcome::Internal, reported("plugin returned unknown verdict " + std::to_string(verdict)));
        }
    }

    std::string reported(std::string fallback) const {
        if (errors_.empty()) return fallback;
        std::string joined;
        for (const auto& e : errors_) joined += (joined.empty() ? "" : "; ") + e;
        return joined;
    }

    ExchangeResult end(Outcome outcome, std::string error) {
        result_.outcome = outcome;
        result_.error = instance_.mask(error);
        return std::move(result_);
    }

    const ProviderInstance& instance_;
    EventBlock event_;
    uint32_t attempt_;
    int64_t now_;
    const Sender& send_;
    std::vector<std::string> errors_;
    ExchangeResult result_;
};

}  // namespace

std::string_view outcome_name(Outcome outcome) {
    switch (outcome) {
        case Outcome::Delivered: return "delivered";
        case Outcome::Skipped: return "skipped";
        case Outcome::Retry: return "retry";
        case Outcome::Permanent: return "permanent";
        case Outcome::ConfigError: return "config-error";
        case Outcome::EventError: return "event-error";
        case Outcome::Internal: return "internal";
    }
    return "internal";
}

ExchangeResult run_exchange(const ProviderInstance& instance, const EventData& event, uint32_t attempt,
                            int64_t now_unix_ms, const Sender& send) {
    LoadedPlugin& plugin = instance.plugin();
    if (auto refusal = plugin.breaker.admit(plugin.info.id, now_unix_ms)) {
        ExchangeResult r;
        r.outcome = Outcome::Internal;
        r.error = *refusal;
        return r;
    }
    ExchangeResult r = Exchange(instance, event, attempt, now_unix_ms, send).run();
    plugin.breaker.record(r.outcome == Outcome::Internal, now_unix_ms);
    return r;
}

}  // namespace herald::plugin_host
