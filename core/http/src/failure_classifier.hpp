// Turns Poco exceptions into FailureKind + a message that names host:port and
// the reason, never a URL path or credentials.
#pragma once

#include <herald/http/client.hpp>

#include <Poco/Exception.h>

#include <string_view>

namespace herald::http {

enum class Phase { Connecting, Sending, AwaitingResponse, Reading };

struct FailureContext {
    std::string_view host;  // the target
    uint16_t port = 0;
    std::string_view proxy_host;  // empty when direct
    uint16_t proxy_port = 0;
    Phase phase = Phase::Connecting;
    uint32_t timeout_ms = 0;
};

Failure classify(const Poco::Exception& error, const FailureContext& where);

}  // namespace herald::http
