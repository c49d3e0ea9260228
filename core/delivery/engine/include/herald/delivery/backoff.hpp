// When to try a failed delivery again.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace herald::delivery {

struct BackoffPolicy {
    int64_t initial_ms = 1000;      // wait before the 2nd attempt
    int64_t max_ms = 5 * 60 * 1000;  // cap of any single wait
    double jitter = 0.2;            // +-20 %, so retries of many deliveries spread out
};

// Wait before attempt `attempts + 1`, after `attempts` failed ones (>= 1):
// initial * 2^(attempts-1), capped, with jitter drawn from `random01` in [0,1).
// A Retry-After delay (seconds) from the receiver wins when it is longer,
// capped at max_ms as well.
int64_t next_delay_ms(const BackoffPolicy& policy, int attempts, double random01,
                      std::optional<int64_t> retry_after_s = std::nullopt);

}  // namespace herald::delivery
