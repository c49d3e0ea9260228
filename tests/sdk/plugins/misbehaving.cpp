// Every way `herald plugin-check` must catch, one type each:
//   check-accepts-empty     validate accepts a config without address
//   check-nondeterministic  each step sends a different body
//   check-too-many-requests emits 17 requests in one step (limit 16)
//   check-throws            step throws (INTERNAL on the sample event)
//   check-crashy            dereferences NULL on a response body it does not expect
#include <herald/sdk.hpp>

#include <atomic>
#include <iterator>
#include <stdexcept>
#include <string>

namespace {

using herald::sdk::Step;
using herald::sdk::Verdict;

herald::sdk::Request post(const std::string& url, std::string body) {
    herald::sdk::Request r;
    r.url = url;
    r.header("Content-Type", "application/json");
    r.body = std::move(body);
    return r;
}

class AcceptsEmpty : public herald::sdk::Provider {
public:
    Verdict step(Step& s) const override {
        s.emit(post("https://example.invalid/accepts-empty", "{}"));
        return Verdict::Done;
    }
};

class Nondeterministic : public herald::sdk::Provider {
public:
    explicit Nondeterministic(std::string url) : url_(std::move(url)) {}
    Verdict step(Step& s) const override {
        static std::atomic<int> counter{0};
        s.emit(post(url_, "{\"n\":" + std::to_string(++counter) + "}"));
        return Verdict::Done;
    }

private:
    std::string url_;
};

class TooManyRequests : public herald::sdk::Provider {
public:
    explicit TooManyRequests(std::string url) : url_(std::move(url)) {}
    Verdict step(Step& s) const override {
        for (int i = 0; i < 17; ++i) s.emit(post(url_, "{}"));
        return Verdict::Done;
    }

private:
    std::string url_;
};

class Throws : public herald::sdk::Provider {
public:
    Verdict step(Step&) const override { throw std::runtime_error("boom"); }
};

// GETs first and trusts the answer blindly: "[]" is fine, anything else crashes.
class Crashy : public herald::sdk::Provider {
public:
    explicit Crashy(std::string url) : url_(std::move(url)) {}
    Verdict step(Step& s) const override {
        if (s.index() == 0) {
            herald::sdk::Request r;
            r.method = "GET";
            r.url = url_;
            s.emit(r);
            return Verdict::Send;
        }
        if (s.response(0).body() != "[]") {
            volatile int* nowhere = nullptr;
            *nowhere = 1;
        }
        return Verdict::Skip;
    }

private:
    std::string url_;
};

std::unique_ptr<herald::sdk::Provider> make(size_t type_index, const herald::sdk::Config& cfg,
                                            herald::sdk::Diagnostics& diag) {
    if (type_index == 0) return std::make_unique<AcceptsEmpty>();
    if (cfg.address().empty()) {
        diag.error("spec.address", "required");
        return nullptr;
    }
    std::string url(cfg.address());
    switch (type_index) {
        case 1: return std::make_unique<Nondeterministic>(url);
        case 2: return std::make_unique<TooManyRequests>(url);
        case 3: return std::make_unique<Throws>();
        default: return std::make_unique<Crashy>(url);
    }
}

const herald_field_info kFields[] = {
    herald::sdk::field("address", HERALD_FIELD_URL, HERALD_FIELD_REQUIRED, "Where to send.")};
const herald_field_info kOptional[] = {herald::sdk::field("address", HERALD_FIELD_URL, 0, "Where to send.")};
const herald_type_info kTypes[] = {
    herald::sdk::type("check-accepts-empty", "Accepts any config.", 0, kOptional),
    herald::sdk::type("check-nondeterministic", "Different bodies each time.", 0, kFields),
    herald::sdk::type("check-too-many-requests", "17 requests in one step.", 0, kFields),
    herald::sdk::type("check-throws", "step throws.", 0, kFields),
    herald::sdk::type("check-crashy", "Crashes on unexpected answers.", 0, kFields),
};

const herald::sdk::PluginSpec& spec() {
    static const herald::sdk::PluginSpec s{"io.herald.test.misbehaving", "misbehaving", "0.1.0", "herald tests",
                                           "https://example.invalid/misbehaving", "Apache-2.0",
                                           "Fails plugin-check on purpose.", kTypes, std::size(kTypes), &make};
    return s;
}

}  // namespace

HERALD_PLUGIN(spec)
