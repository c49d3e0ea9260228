// Secret data: a Secret manifest whose value is the fuzz input, referenced by
// a Provider (secretRef and certSecretRef), so base64 decoding, the "headers"
// YAML map, the address/proxy/username keys and the PEM checks all see it.
//   byte 0: which key; byte 1: data (base64) or stringData; rest: the value
//   (after a fixed canary prefix, see below).
#include "fuzz_support.hpp"

#include <herald/config/config.hpp>

#include <cstdio>

namespace {

const char* const kKeys[] = {"token", "headers", "address", "proxy", "username", "password", "ca.crt", "tls.crt", "tls.key"};

// The value as a YAML double-quoted scalar (every byte survives).
std::string yaml_quoted(std::string_view v) {
    std::string out = "\"";
    for (unsigned char c : v) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += char(c);
        } else if (c < 0x20 || c >= 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += char(c);
        }
    }
    return out + "\"";
}

}  // namespace

// Every value starts with this canary (21 bytes: its base64 form is a whole
// number of quanta, so base64(canary) + fuzz decodes to canary + decoded fuzz).
// A diagnostic that quotes the value (raw or decoded) shows it; a diagnostic
// that merely happens to contain a few fuzzed bytes ("or tls.c") does not.
constexpr std::string_view kCanary = "SECRET-CANARY-7f3e91";
constexpr std::string_view kCanaryBase64 = "U0VDUkVULUNBTkFSWS03ZjNlOTE=";

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    const char* key = kKeys[data[0] % (sizeof kKeys / sizeof kKeys[0])];
    bool base64 = (data[1] & 1) == 0;
    std::string value(base64 ? kCanaryBase64.substr(0, 28) : kCanary);
    value += herald::fuzz::as_text(data + 2, size - 2);
    std::string yaml =
        "apiVersion: notification.toolkit.fluxcd.io/v1beta3\nkind: Provider\n"
        "metadata: {name: p, namespace: default}\n"
        "spec: {type: generic, address: 'https://example.invalid/hook', secretRef: {name: s}, certSecretRef: {name: s}}\n"
        "---\napiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: default}\n";
    yaml += base64 ? "data:\n  " : "stringData:\n  ";
    yaml += std::string(key) + ": " + yaml_quoted(value) + "\n";
    herald::config::LoadOptions options;
    options.manifest_texts.emplace_back("manifests.yaml", std::move(yaml));
    auto result = herald::config::load(options);
    for (const auto& d : result.problems) {
        std::string text = d.field + ": " + d.message;  // the origin's file name is ours
        if (text.find(kCanary) != std::string::npos || text.find(kCanaryBase64.substr(0, 20)) != std::string::npos)
            herald::fuzz::property_failed("a diagnostic quotes the secret value");
    }
    return 0;
}
