// Replays inputs through a fuzz target without libFuzzer: the ctest form of the
// fuzz targets (tests/fuzz/CMakeLists.txt), built with any compiler, and with
// the sanitizers under `make test-asan` / `make test-asan-ci`.
//
//   fuzz_replay_<target> <file or directory>...
//
// Every regular file named (directories: every file in them, in name order) is
// handed to LLVMFuzzerTestOneInput once, after LLVMFuzzerInitialize when the
// target defines it. A property failure aborts, like under libFuzzer; the last
// line on stderr names the input being run. Exit status 0 when every input
// ran, 2 on a usage error or an unreadable input.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
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
        for (const auto& entry : fs::directory_iterator(arg, ec))
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

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s <file or directory>...\n", argv[0]);
        return 2;
    }
    std::vector<fs::path> inputs;
    for (int i = 1; i < argc; ++i)
        if (!collect(argv[i], inputs)) return 2;
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);

    size_t bytes = 0;
    for (const auto& path : inputs) {
        std::ifstream in(path, std::ios::binary);
        std::vector<char> data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        if (in.bad()) {
            std::fprintf(stderr, "%s: cannot read\n", path.c_str());
            return 2;
        }
        std::fprintf(stderr, "running %s\n", path.c_str());
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
