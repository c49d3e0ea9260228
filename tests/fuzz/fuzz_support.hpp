// Small helpers shared by the fuzz targets: byte input as text, temp dirs.
#ifndef HERALD_TESTS_FUZZ_SUPPORT_HPP
#define HERALD_TESTS_FUZZ_SUPPORT_HPP

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unistd.h>

namespace herald::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Fails the run loudly: libFuzzer reports the abort as a crash with the input.
[[noreturn]] inline void property_failed(const char* what) {
    std::fprintf(stderr, "property failed: %s\n", what);
    std::abort();
}

// One private directory per process (libFuzzer runs inputs one after another).
class ScratchDir {
public:
    ScratchDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "herald-fuzz-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }
    // Empties the directory and writes `text` to `name` inside it.
    std::filesystem::path reset_with(const std::string& name, std::string_view text) {
        std::error_code ec;
        for (auto& e : std::filesystem::directory_iterator(path_, ec)) std::filesystem::remove_all(e.path(), ec);
        std::filesystem::path file = path_ / name;
        std::ofstream(file, std::ios::binary).write(text.data(), std::streamsize(text.size()));
        return file;
    }

private:
    std::filesystem::path path_;
};

}  // namespace herald::fuzz

#endif
