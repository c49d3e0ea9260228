// TLS client contexts: one for the system roots (shared by the process), one per distinct set of
// route PEMs (cached for the process lifetime, so a pooled connection's
// context identity is a stable pointer).
#pragma once

#include <herald/http/client.hpp>

#include <Poco/Net/Context.h>

#include <mutex>
#include <string>
#include <unordered_map>

namespace herald::http {

class TlsContexts {
 public:
    TlsContexts();

    // The context for these options; null with `error` set when a PEM is unusable.
    Poco::Net::Context::Ptr get(const TlsOptions& tls, std::string& error);

 private:
    struct Entry {
        std::string ca_pem, cert_pem, key_pem;
        Poco::Net::Context::Ptr context;
    };
    std::mutex mutex_;
    std::unordered_multimap<size_t, Entry> custom_;
};

// Certificate verification runs inside SSL_connect on the sending thread; the
// first rejection reason is kept per thread so the failure can name it.
void clear_verify_error();
const std::string& last_verify_error();

}  // namespace herald::http
