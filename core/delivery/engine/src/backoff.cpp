#include <herald/delivery/backoff.hpp>

#include <algorithm>
#include <cmath>

namespace herald::delivery {

int64_t next_delay_ms(const BackoffPolicy& p, int attempts, double random01, std::optional<int64_t> retry_after_s) {
    int exponent = std::clamp(attempts - 1, 0, 30);
    double base = std::min(double(p.max_ms), double(p.initial_ms) * std::pow(2.0, exponent));
    double factor = 1.0 + p.jitter * (2.0 * random01 - 1.0);
    int64_t delay = std::min<int64_t>(p.max_ms, int64_t(base * factor));
    if (retry_after_s) delay = std::max(delay, std::min<int64_t>(p.max_ms, *retry_after_s * 1000));
    return std::max<int64_t>(delay, 0);
}

}  // namespace herald::delivery
