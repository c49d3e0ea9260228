// Temp dirs written by the tests, and small helpers to look at the result.
#ifndef HERALD_TESTS_CONFIG_FIXTURE_HPP
#define HERALD_TESTS_CONFIG_FIXTURE_HPP

#include <herald/config/config.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

// A fresh directory under the system temp dir, removed at the end.
class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        std::random_device rd;
        path_ = fs::temp_directory_path() /
                ("herald-config-test-" + std::to_string(rd()) + "-" + std::to_string(counter++));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const fs::path& path() const { return path_; }
    // Writes `content` at `relative`, creating parent directories.
    fs::path write(const fs::path& relative, const std::string& content) const {
        auto file = path_ / relative;
        fs::create_directories(file.parent_path());
        std::ofstream out(file, std::ios::binary);
        out << content;
        return file;
    }
    // The name the loader reports for a file: config_dir / relative.
    std::string file(const fs::path& relative) const { return (path_ / relative).string(); }

private:
    fs::path path_;
};

inline std::string read_test_data(const std::string& name) {
    std::ifstream in(std::string(HERALD_CONFIG_TEST_DATA) + "/" + name, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Indent every line of `text` by `spaces` (for YAML block scalars).
inline std::string indent(const std::string& text, int spaces) {
    std::string out, pad(spaces, ' ');
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) out += pad + line + "\n";
    return out;
}

inline herald::config::LoadResult load_config(const TempDir& config, const TempDir* secrets = nullptr,
                                              std::function<bool(std::string_view)> known = {}) {
    herald::config::LoadOptions options;
    options.config_dir = config.path();
    if (secrets) options.secrets_dir = secrets->path();
    options.known_type = std::move(known);
    return herald::config::load(options);
}

inline std::vector<std::string> error_lines(const herald::config::LoadResult& r) {
    std::vector<std::string> out;
    for (const auto& d : r.problems)
        if (!d.warning) out.push_back(d.str());
    return out;
}

inline std::vector<std::string> warning_lines(const herald::config::LoadResult& r) {
    std::vector<std::string> out;
    for (const auto& d : r.problems)
        if (d.warning) out.push_back(d.str());
    return out;
}

inline std::string all_lines(const herald::config::LoadResult& r) {
    std::string out;
    for (const auto& d : r.problems) out += (d.warning ? "warning: " : "error: ") + d.str() + "\n";
    return out;
}

// The load has exactly these errors (in order).
#define REQUIRE_ERRORS(result, ...)                                         \
    do {                                                                    \
        INFO(all_lines(result));                                            \
        REQUIRE(error_lines(result) == std::vector<std::string>{__VA_ARGS__}); \
    } while (0)

constexpr const char* kSlackProvider = R"(apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata:
  name: slack
spec:
  type: slack
  address: https://hooks.example.com/services/x
)";

#endif
