#include "failure_classifier.hpp"

#include "tls_contexts.hpp"

#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>

#include <string>

namespace herald::http {
namespace {

std::string_view phase_text(Phase phase) {
    switch (phase) {
        case Phase::Connecting: return "connecting";
        case Phase::Sending: return "sending the request";
        case Phase::AwaitingResponse: return "waiting for the response";
        case Phase::Reading: return "reading the response";
    }
    return "exchanging";
}

Failure make(FailureKind kind, std::string message) { return Failure{kind, std::move(message)}; }

std::string join(std::string_view a, std::string_view b, std::string_view c = {}, std::string_view d = {}) {
    std::string out;
    out.reserve(a.size() + b.size() + c.size() + d.size());
    out.append(a).append(b).append(c).append(d);
    return out;
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

// What classify needs from FailureContext, formatted once on the failure path.
struct Where {
    std::string endpoint;
    std::string proxy;
    Phase phase;
    uint32_t timeout_ms;
};

std::string host_port(std::string_view host, uint16_t port) {
    bool v6 = host.find(':') != std::string_view::npos;
    std::string out;
    if (v6) out.push_back('[');
    out.append(host);
    if (v6) out.push_back(']');
    return out.append(":").append(std::to_string(port));
}

Failure classify_tls(const Poco::Net::SSLException& error, const Where& where) {
    if (dynamic_cast<const Poco::Net::CertificateValidationException*>(&error) != nullptr)
        return make(FailureKind::Certificate,
                    join("certificate verify failed: certificate is not valid for ", where.endpoint));
    const std::string& reason = last_verify_error();
    if (!reason.empty())
        return make(FailureKind::Certificate, join("certificate verify failed: ", reason, " (", where.endpoint) + ")");
    if (contains(error.message(), "certificate verify failed"))
        return make(FailureKind::Certificate, join("certificate verify failed: ", error.message(), " (", where.endpoint) + ")");
    if (where.phase == Phase::Connecting)
        return make(FailureKind::Tls, join("TLS handshake with ", where.endpoint, " failed: ", error.displayText()));
    return make(FailureKind::Io, join("TLS connection to ", where.endpoint, " broke: ", error.displayText()));
}

}  // namespace

Failure classify(const Poco::Exception& error, const FailureContext& context) {
    const Where where{host_port(context.host, context.port),
                      context.proxy_host.empty() ? std::string() : host_port(context.proxy_host, context.proxy_port),
                      context.phase, context.timeout_ms};
    const bool via_proxy = !where.proxy.empty();
    if (dynamic_cast<const Poco::TimeoutException*>(&error) != nullptr) {
        std::string message = join("timed out after ", std::to_string(where.timeout_ms), " ms ", phase_text(where.phase));
        message.append(" (").append(where.endpoint).append(")");
        if (via_proxy) message.append(" via proxy ").append(where.proxy);
        return make(FailureKind::Timeout, std::move(message));
    }
    if (auto* tls = dynamic_cast<const Poco::Net::SSLException*>(&error)) return classify_tls(*tls, where);
    if (dynamic_cast<const Poco::Net::DNSException*>(&error) != nullptr) {
        if (via_proxy) return make(FailureKind::Proxy, join("proxy ", where.proxy, ": host name did not resolve"));
        return make(FailureKind::Dns, join("DNS lookup failed for ", where.endpoint, ": ", error.displayText()));
    }
    if (dynamic_cast<const Poco::Net::HTTPException*>(&error) != nullptr && where.phase == Phase::Connecting && via_proxy)
        return make(FailureKind::Proxy, join("proxy ", where.proxy, " refused CONNECT to ", where.endpoint) + ": " +
                                            error.message());
    if (where.phase == Phase::Connecting) {
        std::string reason = dynamic_cast<const Poco::Net::ConnectionRefusedException*>(&error) != nullptr
                                 ? std::string("connection refused")
                                 : error.displayText();
        if (via_proxy) return make(FailureKind::Proxy, join("proxy ", where.proxy, ": ", reason));
        return make(FailureKind::Connect, join("cannot connect to ", where.endpoint, ": ", reason));
    }
    if (dynamic_cast<const Poco::Net::NoMessageException*>(&error) != nullptr)
        return make(FailureKind::Io, join(where.endpoint, " closed the connection without answering"));
    if (dynamic_cast<const Poco::Net::MessageException*>(&error) != nullptr)
        return make(FailureKind::Protocol, join("invalid HTTP response from ", where.endpoint, ": ", error.message()));
    return make(FailureKind::Io, join("connection to ", where.endpoint, " broke while ", phase_text(where.phase)) +
                                     ": " + error.displayText());
}

}  // namespace herald::http
