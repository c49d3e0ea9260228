// Retry-After: seconds or an HTTP-date; never a crash, never a negative delay.
#include "fuzz_support.hpp"

#include <herald/http/client.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto delay = herald::http::parse_retry_after(herald::fuzz::as_text(data, size), 1714557600);
    if (delay && *delay < 0) herald::fuzz::property_failed("negative Retry-After delay");
    (void)herald::http::redact_url(herald::fuzz::as_text(data, size));
    return 0;
}
