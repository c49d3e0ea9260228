#include <herald/admin/metrics.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace herald::admin {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
    for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i] = 0;
}

void Histogram::observe(double v) {
    size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    double cur = sum_.load(std::memory_order_relaxed);
    while (!sum_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
    }
}

std::vector<uint64_t> Histogram::cumulative_counts() const {
    std::vector<uint64_t> out(bounds_.size() + 1);
    uint64_t acc = 0;
    for (size_t i = 0; i <= bounds_.size(); ++i) {
        acc += buckets_[i].load(std::memory_order_relaxed);
        out[i] = acc;
    }
    return out;
}

Registry::Family& Registry::family(const std::string& name, Kind kind, const std::string& help) {
    auto [it, inserted] = families_.try_emplace(name);
    if (inserted) {
        it->second.kind = kind;
        it->second.help = help;
    } else if (it->second.kind != kind) {
        throw std::logic_error("metric " + name + " registered with two kinds");
    }
    return it->second;
}

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
    std::lock_guard lock(mutex_);
    auto& slot = family(name, Kind::Counter, help).counters[labels];
    if (!slot) slot = std::make_unique<Counter>();
    return *slot;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
    std::lock_guard lock(mutex_);
    auto& slot = family(name, Kind::Gauge, help).gauges[labels];
    if (!slot) slot = std::make_unique<Gauge>();
    return *slot;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help, const Labels& labels,
                               const std::vector<double>& bounds) {
    std::lock_guard lock(mutex_);
    auto& slot = family(name, Kind::Histogram, help).histograms[labels];
    if (!slot) slot = std::make_unique<Histogram>(bounds);
    return *slot;
}

void Registry::gauge_callback(const std::string& name, const std::string& help, std::function<double()> fn) {
    std::lock_guard lock(mutex_);
    family(name, Kind::Gauge, help).callback = std::move(fn);
}

void Registry::counter_callback(const std::string& name, const std::string& help, std::function<double()> fn) {
    std::lock_guard lock(mutex_);
    family(name, Kind::Counter, help).callback = std::move(fn);
}

std::string escape_label_value(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out.push_back(c);
    }
    return out;
}

namespace {

std::string label_text(const Labels& labels, const std::string& extra_key = "", const std::string& extra_value = "") {
    if (labels.empty() && extra_key.empty()) return "";
    std::string out = "{";
    bool first = true;
    for (const auto& [k, v] : labels) {
        if (!first) out.push_back(',');
        first = false;
        out += k + "=\"" + escape_label_value(v) + "\"";
    }
    if (!extra_key.empty()) {
        if (!first) out.push_back(',');
        out += extra_key + "=\"" + extra_value + "\"";
    }
    out.push_back('}');
    return out;
}

std::string number(double v) {
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    // Shortest text that reads back as the same double (0.0025, not 0.0025000000000000001).
    char buf[64];
    for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, v);
        if (std::strtod(buf, nullptr) == v) break;
    }
    return buf;
}

}  // namespace

std::string Registry::render() const {
    std::lock_guard lock(mutex_);
    std::ostringstream out;
    for (const auto& [name, f] : families_) {
        const char* type = f.kind == Kind::Counter ? "counter" : f.kind == Kind::Gauge ? "gauge" : "histogram";
        out << "# HELP " << name << ' ' << f.help << "\n# TYPE " << name << ' ' << type << '\n';
        for (const auto& [labels, c] : f.counters) out << name << label_text(labels) << ' ' << c->value() << '\n';
        for (const auto& [labels, g] : f.gauges) out << name << label_text(labels) << ' ' << number(g->value()) << '\n';
        if (f.callback) out << name << ' ' << number(f.callback()) << '\n';
        for (const auto& [labels, h] : f.histograms) {
            auto counts = h->cumulative_counts();
            for (size_t i = 0; i < h->bounds().size(); ++i)
                out << name << "_bucket" << label_text(labels, "le", number(h->bounds()[i])) << ' ' << counts[i] << '\n';
            out << name << "_bucket" << label_text(labels, "le", "+Inf") << ' ' << counts.back() << '\n';
            out << name << "_sum" << label_text(labels) << ' ' << number(h->sum()) << '\n';
            out << name << "_count" << label_text(labels) << ' ' << h->count() << '\n';
        }
    }
    return out.str();
}

}  // namespace herald::admin
