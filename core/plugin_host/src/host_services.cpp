// The services a plugin may call: log and HMAC-SHA-256 (plugin-abi.md §3.7).
#include "loaded_plugin.hpp"

#include <herald/plugin_host/masking.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <mutex>
#include <vector>

namespace herald::plugin_host {

void SecretBook::add(const std::vector<std::string>& values) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& v : values)
        if (!v.empty()) values_.insert(v);
}

void SecretBook::remove(const std::vector<std::string>& values) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& v : values) {
        auto it = values_.find(v);
        if (it != values_.end()) values_.erase(it);
    }
}

std::string SecretBook::mask(std::string_view text) const {
    std::vector<std::string> secrets;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        secrets.assign(values_.begin(), values_.end());
    }
    return mask_secrets(text, secrets);
}

namespace {

const HostContext& context_of(const herald_host* host) { return *static_cast<const HostContext*>(host->host_data); }

herald_level clamp_level(herald_level level) {
    return std::clamp<herald_level>(level, HERALD_LEVEL_DEBUG, HERALD_LEVEL_ERROR);
}

// A plugin must never be able to take the host down through a log call.
void host_log(const herald_host* host, herald_level level, herald_str text) {
    if (!host || !host->host_data) return;
    const HostContext& ctx = context_of(host);
    if (!ctx.log) return;
    std::string_view raw = text.data ? std::string_view(text.data, text.size) : std::string_view();
    try {
        ctx.log(static_cast<Level>(clamp_level(level)), ctx.plugin_id, ctx.secrets.mask(raw));
    } catch (...) {
    }
}

herald_status host_hmac_sha256(const herald_host*, herald_bytes key, herald_bytes data, uint8_t out[32]) {
    static const uint8_t empty[1] = {0};
    if (!out) return HERALD_E_INTERNAL;
    unsigned int out_len = 0;
    const uint8_t* k = key.data ? key.data : empty;
    const uint8_t* d = data.data ? data.data : empty;
    if (key.size > static_cast<size_t>(INT32_MAX)) return HERALD_E_INTERNAL;
    if (!HMAC(EVP_sha256(), k, static_cast<int>(key.size), d, data.size, out, &out_len) || out_len != 32)
        return HERALD_E_INTERNAL;
    return HERALD_OK;
}

const void* host_get_extension(const herald_host*, const char*) { return nullptr; }

// Every context made, never freed, held from a global so leak checkers see
// them reachable after the registry that made them is gone.
std::mutex contexts_mutex;
std::vector<HostContext*>* contexts = nullptr;

void keep_for_process_lifetime(HostContext* ctx) {
    std::lock_guard<std::mutex> lock(contexts_mutex);
    if (!contexts) contexts = new std::vector<HostContext*>;
    contexts->push_back(ctx);
}

}  // namespace

HostContext* make_host_context(std::string plugin_id, std::string host_version, LogSink log) {
    // Never freed: the plugin may keep the host pointer until exit.
    auto ctx = std::make_unique<HostContext>();
    ctx->plugin_id = std::move(plugin_id);
    ctx->host_version = std::move(host_version);
    ctx->log = std::move(log);
    herald_host& h = ctx->host;
    h.struct_size = sizeof(herald_host);
    h.abi_major = HERALD_ABI_MAJOR;
    h.abi_minor = HERALD_ABI_MINOR;
    h.host_name = "herald";
    h.host_version = ctx->host_version.c_str();
    h.host_data = ctx.get();
    h.log = &host_log;
    h.hmac_sha256 = &host_hmac_sha256;
    h.get_extension = &host_get_extension;
    keep_for_process_lifetime(ctx.get());
    return ctx.release();
}

}  // namespace herald::plugin_host
