// PEM checks with OpenSSL, so a bad CA or client pair fails at load, not at
// the first delivery. Messages never quote the PEM text.
#include "loader.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace herald::config::detail {
namespace {

struct BioFree { void operator()(BIO* b) const { BIO_free(b); } };
struct X509Free { void operator()(X509* x) const { X509_free(x); } };
struct KeyFree { void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); } };
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;

BioPtr memory_bio(std::string_view pem) {
    return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// An encrypted key must fail instead of prompting on the terminal.
int no_password(char*, int, int, void*) { return 0; }

size_t count_occurrences(std::string_view text, std::string_view what) {
    size_t n = 0;
    for (auto pos = text.find(what); pos != std::string_view::npos; pos = text.find(what, pos + what.size())) ++n;
    return n;
}

}  // namespace

std::optional<std::string> check_ca_bundle(std::string_view pem) {
    constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
    size_t expected = count_occurrences(pem, kBegin);
    if (expected == 0) return std::string("contains no PEM certificate (-----BEGIN CERTIFICATE-----)");
    auto bio = memory_bio(pem);
    size_t parsed = 0;
    while (X509Ptr cert{PEM_read_bio_X509(bio.get(), nullptr, no_password, nullptr)}) ++parsed;
    ERR_clear_error();
    if (parsed < expected)
        return "certificate " + std::to_string(parsed + 1) + " of " + std::to_string(expected) + " does not parse";
    return std::nullopt;
}

std::optional<std::string> check_client_pair(std::string_view cert_pem, std::string_view key_pem) {
    auto cert_bio = memory_bio(cert_pem);
    X509Ptr cert{PEM_read_bio_X509(cert_bio.get(), nullptr, no_password, nullptr)};
    if (!cert) {
        ERR_clear_error();
        return std::string("the client certificate is not a PEM certificate");
    }
    auto key_bio = memory_bio(key_pem);
    KeyPtr key{PEM_read_bio_PrivateKey(key_bio.get(), nullptr, no_password, nullptr)};
    if (!key) {
        ERR_clear_error();
        return std::string("the client key is not an unencrypted PEM private key");
    }
    if (X509_check_private_key(cert.get(), key.get()) != 1) {
        ERR_clear_error();
        return std::string("the client key does not match the client certificate");
    }
    return std::nullopt;
}

}  // namespace herald::config::detail
