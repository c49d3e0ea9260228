// Small helpers shared by the fuzz targets: byte input as text, property failures.
#ifndef HERALD_TESTS_FUZZ_SUPPORT_HPP
#define HERALD_TESTS_FUZZ_SUPPORT_HPP

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace herald::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Fails the run loudly: libFuzzer reports the abort as a crash with the input.
[[noreturn]] inline void property_failed(const char* what) {
    std::fprintf(stderr, "property failed: %s\n", what);
    std::abort();
}

}  // namespace herald::fuzz

#endif
