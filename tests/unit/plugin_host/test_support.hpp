// Shared helpers for the plugin host tests: a private plugins directory per
// test, a log capture and a scripted Sender.
#ifndef HERALD_TESTS_PLUGIN_HOST_SUPPORT_HPP
#define HERALD_TESTS_PLUGIN_HOST_SUPPORT_HPP

#include <herald/plugin_host/exchange.hpp>
#include <herald/plugin_host/registry.hpp>

#include <cstdlib>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace herald::plugin_host::test {

namespace fs = std::filesystem;

inline fs::path built_plugin(const std::string& file) { return fs::path(HERALD_TEST_PLUGIN_DIR) / file; }

// A fresh directory under /tmp, removed at the end of the test.
class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "herald-plugin-host-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }

    // Copies a built plugin in, owner-writable only (the loader refuses more).
    fs::path add(const std::string& file, fs::perms perms = fs::perms::owner_all | fs::perms::group_read |
                                                            fs::perms::group_exec | fs::perms::others_read |
                                                            fs::perms::others_exec) {
        fs::path to = path_ / file;
        fs::copy_file(built_plugin(file), to, fs::copy_options::overwrite_existing);
        fs::permissions(to, perms);
        return to;
    }

private:
    fs::path path_;
};

class LogCapture {
public:
    LogSink sink() {
        return [this](Level level, std::string_view id, std::string_view text) {
            std::lock_guard<std::mutex> lock(mutex_);
            lines_.push_back(std::string(level_name(level)) + " " + std::string(id) + ": " + std::string(text));
        };
    }
    std::vector<std::string> lines() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return lines_;
    }
    size_t count(std::string_view needle) const {
        size_t n = 0;
        for (const auto& l : lines())
            if (l.find(needle) != std::string::npos) ++n;
        return n;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
};

// A registry over a private directory holding `files` (built test plugins).
struct Loaded {
    TempDir dir;
    LogCapture log;
    std::unique_ptr<PluginRegistry> registry;

    explicit Loaded(const std::vector<std::string>& files, bool allow_insecure = false) {
        for (const auto& f : files) dir.add(f);
        RegistryOptions options;
        options.allow_insecure = allow_insecure;
        options.host_version = "9.8.7";
        options.log = log.sink();
        registry = std::make_unique<PluginRegistry>(options);
        registry->load_dir(dir.path());
    }
};

inline ProviderSettings echo_settings(std::string token = "s3cr3t-t0ken") {
    ProviderSettings s;
    s.type = "test-echo";
    s.ns = "flux-system";
    s.name = "echo";
    s.uid = "0c1d2e3f-aaaa";
    s.address = "https://hooks.example.com/in";
    s.timeout_ms = 5000;
    s.secrets = {{"token", std::move(token)}};
    return s;
}

inline EventData event_with_reason(std::string reason) {
    EventData e;
    e.kind = "Kustomization";
    e.ns = "flux-system";
    e.name = "apps";
    e.severity = "info";
    e.timestamp = "2024-01-02T03:04:05Z";
    e.message = "Reconciliation finished";
    e.reason = std::move(reason);
    e.reporting_controller = "kustomize-controller";
    e.metadata = {{"revision", "main@sha1:abc"}, {"a", "1"}};
    e.canonical_json = "{\"involvedObject\":{}}";
    return e;
}

inline Reply reply(int status, std::string body = "", std::vector<std::pair<std::string, std::string>> headers = {}) {
    Reply r;
    r.delivered = true;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
}

inline Reply transport_failure(std::string why, bool certificate = false) {
    Reply r;
    r.transport_error = std::move(why);
    r.permanent = certificate;
    return r;
}

// Answers requests from a script, in order; 200 once the script runs out.
class ScriptedSender {
public:
    explicit ScriptedSender(std::vector<Reply> script = {}) : script_(script.begin(), script.end()) {}
    Sender sender() {
        return [this](const OutgoingRequest& req) {
            seen.push_back(req);
            if (script_.empty()) return reply(200);
            Reply r = script_.front();
            script_.pop_front();
            return r;
        };
    }
    std::vector<OutgoingRequest> seen;

private:
    std::deque<Reply> script_;
};

inline const Header* find_header(const OutgoingRequest& r, std::string_view name) {
    for (const auto& h : r.headers)
        if (h.name == name) return &h;
    return nullptr;
}

}  // namespace herald::plugin_host::test

#endif
