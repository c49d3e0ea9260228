// Replays inputs through a fuzz target without libFuzzer: the ctest form of the
// fuzz targets (tests/fuzz/CMakeLists.txt), built with any compiler, and with
// the sanitizers under `make test-asan` / `make test-asan-ci`.
//
//   <target> <file or directory>...      (e.g. build/bin/fuzz_config_load FILE)
//
// Every regular file named (directories: every file below them, as libFuzzer
// reads a corpus, in path order) is handed to LLVMFuzzerTestOneInput once,
// after LLVMFuzzerInitialize when the target defines it. A property failure or
// a sanitizer report aborts, like under libFuzzer; the last line on stderr
// names the input being run. Exit status 0 when every input ran; 2 on a usage
// error, a missing or unreadable input, or no input at all (a replay that ran
// nothing must not pass).
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace fs = std::filesystem;

namespace {

bool collect(const fs::path& arg, std::vector<fs::path>& inputs) {
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
        std::vector<fs::path> files;
        for (const auto& entry : fs::recursive_directory_iterator(arg, ec))
            if (entry.is_regular_file()) files.push_back(entry.path());
        if (ec) {
            std::fprintf(stderr, "%s: cannot list: %s\n", arg.c_str(), ec.message().c_str());
            return false;
        }
        std::sort(files.begin(), files.end());
        inputs.insert(inputs.end(), files.begin(), files.end());
        return true;
    }
    if (fs::is_regular_file(arg, ec)) {
        inputs.push_back(arg);
        return true;
    }
    std::fprintf(stderr, "%s: no such file or directory\n", arg.c_str());
    return false;
}

bool read_file(const fs::path& path, std::vector<uint8_t>& out) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
        std::fprintf(stderr, "%s: cannot open: %s\n", path.c_str(), std::strerror(errno));
        return false;
    }
    uint8_t buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + n);
    bool failed = std::ferror(f);
    int error = errno;
    std::fclose(f);
    if (failed) std::fprintf(stderr, "%s: cannot read: %s\n", path.c_str(), std::strerror(error));
    return !failed;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s <file or directory>...\n", argv[0]);
        return 2;
    }
    std::vector<fs::path> inputs;
    for (int i = 1; i < argc; ++i)
        if (!collect(argv[i], inputs)) return 2;

    if (inputs.empty()) {
        std::fprintf(stderr, "no inputs: every file and directory named is empty\n");
        return 2;
    }
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);

    size_t bytes = 0;
    for (const auto& path : inputs) {
        std::fprintf(stderr, "running %s\n", path.c_str());
        std::vector<uint8_t> data;
        if (!read_file(path, data)) return 2;
        // A heap copy of exactly the input's size, as libFuzzer hands it
        // over, so ASan reports a read past its end.
        std::unique_ptr<uint8_t[]> exact(new uint8_t[data.size()]);
        std::copy(data.begin(), data.end(), exact.get());
        LLVMFuzzerTestOneInput(exact.get(), data.size());
        bytes += data.size();
    }
    std::printf("%zu inputs, %zu bytes: no crash\n", inputs.size(), bytes);
    return 0;
}
