#include "tls_contexts.hpp"

#include <Poco/Net/NetSSL.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <functional>
#include <memory>

namespace herald::http {
namespace {

thread_local std::string t_verify_error;

// Replaces Poco's callback (which would consult SSLManager's certificate
// handlers): OpenSSL's verdict stands, and we only remember why.
int record_verify_result(int ok, X509_STORE_CTX* store) {
    if (!ok && t_verify_error.empty()) {
        t_verify_error = X509_verify_cert_error_string(X509_STORE_CTX_get_error(store));
    }
    return ok;
}

struct BioFree { void operator()(BIO* b) const { BIO_free(b); } };
struct X509Free { void operator()(X509* x) const { X509_free(x); } };
struct KeyFree { void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); } };
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

BioPtr memory_bio(const std::string& pem) {
    return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Every certificate in the PEM text, in order.
std::vector<X509Ptr> read_certificates(const std::string& pem) {
    std::vector<X509Ptr> certs;
    BioPtr bio = memory_bio(pem);
    while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) certs.emplace_back(cert);
    ERR_clear_error();  // the loop ends on a "no start line" error
    return certs;
}

bool load_roots(SSL_CTX* ctx, const std::string& ca_pem, std::string& error) {
    auto certs = read_certificates(ca_pem);
    if (certs.empty()) {
        error = "TLS options: ca_pem holds no PEM certificate";
        return false;
    }
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    for (auto& cert : certs) {
        if (X509_STORE_add_cert(store, cert.get()) != 1) ERR_clear_error();  // duplicates are harmless
    }
    return true;
}

bool load_client_identity(SSL_CTX* ctx, const TlsOptions& tls, std::string& error) {
    if (tls.client_cert_pem.empty() != tls.client_key_pem.empty()) {
        error = "TLS options: client_cert_pem and client_key_pem must be given together";
        return false;
    }
    auto certs = read_certificates(tls.client_cert_pem);
    if (certs.empty()) {
        error = "TLS options: client_cert_pem holds no PEM certificate";
        return false;
    }
    if (SSL_CTX_use_certificate(ctx, certs.front().get()) != 1) {
        ERR_clear_error();
        error = "TLS options: client certificate is not usable";
        return false;
    }
    for (size_t i = 1; i < certs.size(); ++i) SSL_CTX_add1_chain_cert(ctx, certs[i].get());
    BioPtr bio = memory_bio(tls.client_key_pem);
    std::unique_ptr<EVP_PKEY, KeyFree> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key || SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        ERR_clear_error();
        error = "TLS options: client_key_pem is not a private key matching client_cert_pem";
        return false;
    }
    return true;
}

Poco::Net::Context::Ptr new_context(const TlsOptions& tls, std::string& error) {
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_STRICT;  // also checks host names of loopback peers
    params.loadDefaultCAs = tls.ca_pem.empty();
    params.cipherList = "DEFAULT";
    auto context = Poco::makeAuto<Poco::Net::Context>(Poco::Net::Context::TLS_CLIENT_USE, params);
    SSL_CTX* ctx = context->sslContext();
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, &record_verify_result);
    if (!tls.ca_pem.empty() && !load_roots(ctx, tls.ca_pem, error)) return {};
    if ((!tls.client_cert_pem.empty() || !tls.client_key_pem.empty()) && !load_client_identity(ctx, tls, error))
        return {};
    return context;
}

size_t options_hash(const TlsOptions& tls) {
    std::hash<std::string> h;
    size_t seed = h(tls.ca_pem);
    seed ^= h(tls.client_cert_pem) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
    seed ^= h(tls.client_key_pem) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
    return seed;
}

// Poco needs initializeSSL() once. SSLManager's default client context (used
// by nothing of ours) trusts nothing and its handler rejects, never prompts.
void initialize_ssl_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        Poco::Net::initializeSSL();
        Poco::Net::Context::Params params;
        params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
        auto trusts_nothing = Poco::makeAuto<Poco::Net::Context>(Poco::Net::Context::TLS_CLIENT_USE, params);
        Poco::Net::SSLManager::InvalidCertificateHandlerPtr reject(new Poco::Net::RejectCertificateHandler(false));
        Poco::Net::SSLManager::instance().initializeClient(Poco::Net::SSLManager::PrivateKeyPassphraseHandlerPtr(),
                                                           reject, trusts_nothing);
    });
}

// Loading the system roots takes a noticeable moment, so it happens once per
// process and only when a request first needs them.
Poco::Net::Context::Ptr system_roots_context() {
    static const Poco::Net::Context::Ptr context = [] {
        std::string error;
        return new_context(TlsOptions{}, error);
    }();
    return context;
}

}  // namespace

void clear_verify_error() { t_verify_error.clear(); }
const std::string& last_verify_error() { return t_verify_error; }

TlsContexts::TlsContexts() {
    initialize_ssl_once();
}

Poco::Net::Context::Ptr TlsContexts::get(const TlsOptions& tls, std::string& error) {
    if (tls.ca_pem.empty() && tls.client_cert_pem.empty() && tls.client_key_pem.empty()) return system_roots_context();
    size_t key = options_hash(tls);
    std::lock_guard<std::mutex> lock(mutex_);
    auto [first, last] = custom_.equal_range(key);
    for (auto it = first; it != last; ++it) {
        const Entry& e = it->second;
        if (e.ca_pem == tls.ca_pem && e.cert_pem == tls.client_cert_pem && e.key_pem == tls.client_key_pem)
            return e.context;
    }
    // Built under the lock: rare (once per distinct PEM set) and it keeps one context per set.
    auto context = new_context(tls, error);
    if (!context) return {};
    custom_.emplace(key, Entry{tls.ca_pem, tls.client_cert_pem, tls.client_key_pem, context});
    return context;
}

}  // namespace herald::http
