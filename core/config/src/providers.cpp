// Provider: spec fields (§2.2) and the secrets it references (§2.3, §4).
#include "loader.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>

namespace herald::config::detail {

std::string url_problem(std::string_view url) {
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) return "must start with http:// or https://";
    for (char c : url)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return "must not contain spaces or control characters";
    try {
        Poco::URI uri{std::string(url)};
        if (uri.getHost().empty()) return "is not a valid URL (no host)";
    } catch (const Poco::Exception&) {
        return "is not a valid URL";  // Poco's message quotes the URL: not repeated
    }
    return {};
}

namespace {

void check_length(MapReader& spec, std::string_view key, const std::string& value) {
    if (value.size() > kMaxFieldLength)
        spec.report().error(spec.origin(), spec.field(key),
                            "is " + std::to_string(value.size()) + " characters, above the limit of 2048");
}

// address / proxy in spec: length, http(s) pattern (the v1beta1 CRD rule,
// applied to every version), and a URL that parses.
void check_url_field(MapReader& spec, std::string_view key, const std::string& value) {
    if (value.size() > kMaxFieldLength) return check_length(spec, key, value);
    if (auto why = url_problem(value); !why.empty()) spec.report().error(spec.origin(), spec.field(key), why);
}

}  // namespace

Provider parse_provider(const YAML::Node& node, Provider p, const Origin& origin, Reporter& report) {
    MapReader spec(node, "spec", origin, report);
    if (!spec.is_map()) {
        report.error(origin, "spec", "must be a map");
        return p;
    }
    p.type = spec.take_string("type").value_or("");
    if (p.type.empty()) report.error(origin, "spec.type", "is required");
    p.channel = spec.take_string("channel").value_or("");
    check_length(spec, "channel", p.channel);
    p.username = spec.take_string("username").value_or("");
    check_length(spec, "username", p.username);
    p.address = spec.take_string("address").value_or("");
    if (!p.address.empty()) check_url_field(spec, "address", p.address);
    p.proxy = spec.take_string("proxy").value_or("");
    if (!p.proxy.empty()) check_url_field(spec, "proxy", p.proxy);
    if (auto timeout = spec.take_string("timeout")) {
        if (auto ms = parse_timeout_ms(*timeout))
            p.timeout_ms = *ms;
        else
            report.error(origin, "spec.timeout",
                         "\"" + *timeout + "\" is not a duration like 15s, 500ms or 1m30s (units ms, s, m; above 0)");
    }
    p.suspend = spec.take_bool("suspend").value_or(false);
    p.secret_ref = spec.take_name_ref("secretRef");
    p.cert_secret_ref = spec.take_name_ref("certSecretRef");
    p.proxy_secret_ref = spec.take_name_ref("proxySecretRef");
    // Everything else scalar is for the plugin's schema to judge.
    for (const auto& [key, value] : spec.rest()) {
        if (value.IsScalar())
            p.extra[key] = value.Scalar();
        else if (!value.IsNull())
            report.warn(origin, spec.field(key), "unknown field (not a scalar), ignored");
    }
    return p;
}

namespace {

const std::string* find_key(const SecretData& data, std::string_view key) {
    auto it = data.find(std::string(key));
    return it == data.end() ? nullptr : &it->second;
}

// The secret named by a spec.*Ref, or an error naming it.
const StoredSecret* find_secret(const SecretStore& secrets, const Provider& p, const std::string& name,
                                std::string_view ref_field, Reporter& report) {
    auto it = secrets.find(p.ns + "/" + name);
    if (it != secrets.end()) return &it->second;
    report.error(p.origin, std::string(ref_field) + ".name",
                 "secret \"" + name + "\" not found in namespace \"" + p.ns + "\"");
    return nullptr;
}

// A URL from a secret key: checked like the spec field, never quoted.
bool check_secret_url(const Provider& p, const std::string& secret, std::string_view key, const std::string& value,
                      std::string_view field_prefix, Reporter& report) {
    std::string field = std::string(field_prefix) + "." + std::string(key);
    if (value.size() > kMaxFieldLength) {
        report.error(p.origin, field,
                     "secret " + secret + ": " + std::string(key) + " is " + std::to_string(value.size()) +
                         " characters, above the limit of 2048");
        return false;
    }
    if (auto why = url_problem(value); !why.empty()) {
        report.error(p.origin, field, "secret " + secret + ": " + std::string(key) + " " + why);
        return false;
    }
    return true;
}

// headers: a YAML map of string -> string; names and values must be safe to
// put on the wire. Neither names nor values are quoted: both come from a
// Secret, and a malformed one may hold a credential where a name should be.
void read_headers(Provider& p, const std::string& secret, const std::string& text, Reporter& report) {
    YAML::Node node;
    try {
        node = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        report.error(p.origin, "secret.headers",
                     "secret " + secret + ": headers is not valid YAML (line " + std::to_string(e.mark.line + 1) +
                         ": " + e.msg + ")");
        return;
    }
    if (node.IsNull()) return;
    std::map<std::string, std::string> headers;
    if (auto why = to_string_map(node, headers)) {
        // to_string_map quotes the offending key; from a Secret it must not.
        if (why->find('"') != std::string::npos)
            *why = "must be a map of string to string with unique names (a value is not a string, or a name repeats)";
        report.error(p.origin, "secret.headers", "secret " + secret + ": headers " + *why);
        return;
    }
    for (const auto& [name, value] : headers) {
        bool token = !name.empty();
        for (char c : name)
            if (static_cast<unsigned char>(c) <= 0x20 || c == ':' || c == 0x7f) token = false;
        if (!token) {
            report.error(p.origin, "secret.headers", "secret " + secret + ": headers has an invalid header name");
            return;
        }
        if (value.find_first_of("\r\n") != std::string::npos || value.find('\0') != std::string::npos) {
            report.error(p.origin, "secret.headers",
                         "secret " + secret + ": a header value contains a line break");
            return;
        }
    }
    p.headers = std::move(headers);
}

// §2.3 secretRef keys. Returns false when the secret's address is present
// but unusable (already reported), so "no address found" is not added to it.
bool apply_secret_ref(Provider& p, const StoredSecret& stored, Reporter& report) {
    const std::string& name = *p.secret_ref;
    p.secret = stored.data;
    bool address_ok = true;
    if (auto address = find_key(p.secret, "address")) {
        // Present wins even when blank (Flux does the same); blank = no address.
        auto first = address->find_first_not_of(" \t\r\n");
        auto last = address->find_last_not_of(" \t\r\n");
        std::string trimmed = first == std::string::npos ? std::string() : address->substr(first, last - first + 1);
        p.effective_address.clear();
        address_ok = trimmed.empty() || check_secret_url(p, name, "address", trimmed, "secret", report);
        if (address_ok) p.effective_address = trimmed;
    }
    if (auto proxy = find_key(p.secret, "proxy"); proxy && !proxy->empty()) {
        if (check_secret_url(p, name, "proxy", *proxy, "secret", report)) p.effective_proxy = *proxy;
    }
    auto username = find_key(p.secret, "username");
    auto password = find_key(p.secret, "password");
    if ((username == nullptr) != (password == nullptr))
        report.error(p.origin, "spec.secretRef", "secret " + name + ": username and password must be set together");
    if (username) p.effective_username = *username;
    if (auto headers = find_key(p.secret, "headers")) read_headers(p, name, *headers, report);
    return address_ok;
}

// CA and client pair from one secret (certSecretRef, or secretRef without it).
void apply_tls(Provider& p, const std::string& secret, const SecretData& data, bool required,
               std::string_view field_prefix, Reporter& report) {
    const std::string* ca = find_key(data, "ca.crt");
    std::string ca_key = "ca.crt";
    if (!ca && (ca = find_key(data, "caFile"))) ca_key = "caFile";
    const std::string* cert = find_key(data, "tls.crt");
    if (!cert) cert = find_key(data, "certFile");
    const std::string* key = find_key(data, "tls.key");
    if (!key) key = find_key(data, "keyFile");
    std::string prefix(field_prefix);
    if (required && !ca && !cert && !key) {
        report.error(p.origin, prefix, "secret " + secret + ": no ca.crt (or caFile) nor tls.crt/tls.key found");
        return;
    }
    if (ca) {
        if (auto why = check_ca_bundle(*ca))
            report.error(p.origin, prefix + "." + ca_key, "secret " + secret + ": " + ca_key + " " + *why);
        else
            p.ca_pem = *ca;
    }
    if ((cert == nullptr) != (key == nullptr)) {
        report.error(p.origin, prefix, "secret " + secret + ": tls.crt and tls.key must be set together");
        return;
    }
    if (!cert) return;
    if (auto why = check_client_pair(*cert, *key)) {
        report.error(p.origin, prefix + ".tls.crt", "secret " + secret + ": " + *why);
        return;
    }
    p.client_cert_pem = *cert;
    p.client_key_pem = *key;
}

// v1beta3 proxySecretRef: address required, username/password optional.
void apply_proxy_secret(Provider& p, const StoredSecret& stored, Reporter& report) {
    const std::string& name = *p.proxy_secret_ref;
    auto address = find_key(stored.data, "address");
    if (!address || address->empty()) {
        report.error(p.origin, "spec.proxySecretRef", "secret " + name + ": the key address is required");
        return;
    }
    if (!check_secret_url(p, name, "address", *address, "proxySecret", report)) return;
    p.effective_proxy = *address;
    auto username = find_key(stored.data, "username");
    auto password = find_key(stored.data, "password");
    if (password && !username)
        report.error(p.origin, "spec.proxySecretRef", "secret " + name + ": password is set without username");
    if (username) p.proxy_username = *username;
    if (password) p.proxy_password = *password;
}

}  // namespace

void resolve_provider(Provider& p, const SecretStore& secrets, const LoadOptions& options, Reporter& report) {
    if (!p.type.empty() && options.known_type && !options.known_type(p.type))
        report.error(p.origin, "spec.type", "unknown provider type \"" + p.type + "\" (no loaded plugin serves it)");
    // Lowest precedence first; each secret below may override.
    p.effective_address = p.address;
    p.effective_proxy = p.proxy;
    p.effective_username = p.username;
    const StoredSecret* secret = nullptr;
    bool address_reported = false;
    if (p.secret_ref && (secret = find_secret(secrets, p, *p.secret_ref, "spec.secretRef", report)))
        address_reported = !apply_secret_ref(p, *secret, report);
    if (p.cert_secret_ref) {
        if (auto cert_secret = find_secret(secrets, p, *p.cert_secret_ref, "spec.certSecretRef", report))
            apply_tls(p, *p.cert_secret_ref, cert_secret->data, true, "certSecret", report);
    } else if (secret) {
        apply_tls(p, *p.secret_ref, secret->data, false, "secret", report);
    }
    if (p.proxy_secret_ref) {
        if (auto proxy_secret = find_secret(secrets, p, *p.proxy_secret_ref, "spec.proxySecretRef", report))
            apply_proxy_secret(p, *proxy_secret, report);
    }
    // A missing secret or a bad secret address is already reported.
    bool secret_missing = p.secret_ref && !secret;
    if (p.effective_address.empty() && !secret_missing && !address_reported) {
        if (p.secret_ref)
            report.error(p.origin, "spec.address",
                         "no address found in spec.address nor in secret " + *p.secret_ref);
        else
            report.error(p.origin, "spec.address", "no address found in spec.address (and no spec.secretRef)");
    }
}

}  // namespace herald::config::detail
