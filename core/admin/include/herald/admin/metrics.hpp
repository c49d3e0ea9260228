// Prometheus metrics: counters, gauges and histograms with labels, rendered
// in the text exposition format (version 0.0.4). Written by hand because the
// Poco version we build on has no Prometheus support.
//
// Lookups take a lock; the returned references stay valid for the life of
// the registry, so hot paths look a series up once and keep the pointer.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace herald::admin {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
public:
    void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
    uint64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<uint64_t> value_{0};
};

class Gauge {
public:
    void set(double v) { value_.store(v, std::memory_order_relaxed); }
    void add(double d) {
        double cur = value_.load(std::memory_order_relaxed);
        while (!value_.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
        }
    }
    double value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0};
};

class Histogram {
public:
    explicit Histogram(std::vector<double> bounds);
    void observe(double v);
    const std::vector<double>& bounds() const { return bounds_; }
    std::vector<uint64_t> cumulative_counts() const;  // one per bound, then +Inf
    double sum() const { return sum_.load(std::memory_order_relaxed); }
    uint64_t count() const { return count_.load(std::memory_order_relaxed); }

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
    std::atomic<double> sum_{0};
    std::atomic<uint64_t> count_{0};
};

class Registry {
public:
    Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
    Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
    Histogram& histogram(const std::string& name, const std::string& help, const Labels& labels,
                         const std::vector<double>& bounds);
    // A gauge computed at scrape time (e.g. pending deliveries from the store).
    void gauge_callback(const std::string& name, const std::string& help, std::function<double()> fn);
    // A counter read at scrape time from a count kept elsewhere (it must only grow).
    void counter_callback(const std::string& name, const std::string& help, std::function<double()> fn);

    std::string render() const;

private:
    enum class Kind { Counter, Gauge, Histogram };
    struct Family {
        Kind kind;
        std::string help;
        std::map<Labels, std::unique_ptr<Counter>> counters;
        std::map<Labels, std::unique_ptr<Gauge>> gauges;
        std::map<Labels, std::unique_ptr<Histogram>> histograms;
        std::function<double()> callback;
    };
    Family& family(const std::string& name, Kind kind, const std::string& help);

    mutable std::mutex mutex_;
    std::map<std::string, Family> families_;
};

// Escapes a label value for the text format.
std::string escape_label_value(const std::string& v);

}  // namespace herald::admin
