// `herald plugin-check FILE.so`: the conformance check a plugin author runs
// before shipping. It loads the file through the real loader, checks the
// descriptor and the exported symbols, and drives every type through the real
// exchange runner with a fake sender: empty config rejected, sample config
// accepted, step deterministic, malformed responses survived, host limits kept.
// Code of the plugin runs in a forked child, so a crash or a hang becomes a
// FAIL line instead of killing the checker. Exit 0 only when nothing FAILs.
#include "cli.hpp"
#include "commands.hpp"

#include <herald/plugin_host/elf_file.hpp>
#include <herald/plugin_host/exchange.hpp>
#include <herald/plugin_host/provider_instance.hpp>
#include <herald/plugin_host/registry.hpp>
#include <herald/sdk.hpp>

#include <dlfcn.h>
#include <elf.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace herald::app {
namespace {

namespace fs = std::filesystem;
namespace ph = herald::plugin_host;

const std::vector<FlagSpec> kPluginCheckFlags = {
    {"help", false, "", "show this help", ""},
};

// ---- report lines --------------------------------------------------------------

enum class Mark { Pass, Fail, Skip, Warn };

const char* mark_text(Mark m) {
    switch (m) {
        case Mark::Pass: return "PASS";
        case Mark::Fail: return "FAIL";
        case Mark::Skip: return "SKIP";
        case Mark::Warn: return "WARN";
    }
    return "FAIL";
}

struct Line {
    Mark mark = Mark::Fail;
    std::string check;   // e.g. "exports", "validate[generic]"
    std::string detail;  // why, one line
};

// Prints each line as it comes and counts them for the summary.
class Report {
public:
    void add(Mark mark, std::string check, std::string detail) { add(Line{mark, std::move(check), std::move(detail)}); }
    void add(const Line& l) {
        std::cout << mark_text(l.mark) << "  " << l.check << ": " << l.detail << "\n" << std::flush;
        ++counts_[l.mark];
    }
    bool failed() const { return count(Mark::Fail) > 0; }
    size_t count(Mark m) const {
        auto it = counts_.find(m);
        return it == counts_.end() ? 0 : it->second;
    }
    void summary() const {
        std::cout << "plugin-check: " << count(Mark::Pass) << " passed, " << count(Mark::Fail) << " failed, "
                  << count(Mark::Skip) << " skipped, " << count(Mark::Warn) << " warning(s)\n";
    }

private:
    std::map<Mark, size_t> counts_;
};

std::string one_line(std::string text) {
    std::replace(text.begin(), text.end(), '\n', ' ');
    std::replace(text.begin(), text.end(), '\t', ' ');
    if (text.size() > 400) text = sdk::truncate_utf8(text, 400);
    return text;
}

// ---- running plugin code in a child process --------------------------------------

// The child writes "B\t<check>" when a check begins and "L\t<mark>\t<check>\t<detail>"
// per result, so a crash is pinned on the check that was running.
class ChildSink {
public:
    explicit ChildSink(int fd) : fd_(fd) {}
    void begin(const std::string& check) { write_text("B\t" + check + "\n"); }
    void add(Mark m, const std::string& check, const std::string& detail) {
        write_text("L\t" + std::to_string(static_cast<int>(m)) + "\t" + check + "\t" + one_line(detail) + "\n");
    }

private:
    void write_text(const std::string& s) {
        size_t off = 0;
        while (off < s.size()) {
            ssize_t n = ::write(fd_, s.data() + off, s.size() - off);
            if (n <= 0) return;
            off += static_cast<size_t>(n);
        }
    }
    int fd_;
};

constexpr unsigned kChildSeconds = 30;

std::vector<std::string> split_tabs(const std::string& line, size_t parts) {
    std::vector<std::string> out;
    size_t start = 0;
    while (out.size() + 1 < parts) {
        size_t tab = line.find('\t', start);
        if (tab == std::string::npos) break;
        out.push_back(line.substr(start, tab - start));
        start = tab + 1;
    }
    out.push_back(line.substr(start));
    return out;
}

// Runs `body` in a forked child (single-threaded here, so fork is safe) and
// turns what it wrote into report lines; a signal or a hang is a FAIL on the
// check that was running.
void run_isolated(Report& report, const std::string& fallback_check, const std::function<void(ChildSink&)>& body) {
    int fds[2];
    if (::pipe(fds) != 0) {
        report.add(Mark::Fail, fallback_check, "cannot create a pipe for the child process");
        return;
    }
    std::cout.flush();
    pid_t pid = ::fork();
    if (pid < 0) {
        report.add(Mark::Fail, fallback_check, "cannot fork a child process");
        return;
    }
    if (pid == 0) {
        ::close(fds[0]);
        ::alarm(kChildSeconds);
        ChildSink sink(fds[1]);
        try {
            body(sink);
        } catch (const std::exception& e) {
            sink.add(Mark::Fail, fallback_check, std::string("exception escaped into the host: ") + e.what());
        } catch (...) {
            sink.add(Mark::Fail, fallback_check, "exception escaped into the host");
        }
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string data, running = fallback_check;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n <= 0) break;
        data.append(buf, static_cast<size_t>(n));
        size_t nl;
        while ((nl = data.find('\n')) != std::string::npos) {
            std::string line = data.substr(0, nl);
            data.erase(0, nl + 1);
            auto parts = split_tabs(line, 4);
            if (parts.size() == 2 && parts[0] == "B") running = parts[1];
            if (parts.size() == 4 && parts[0] == "L")
                report.add(static_cast<Mark>(std::stoi(parts[1])), parts[2], parts[3]);
        }
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (sig == SIGALRM)
            report.add(Mark::Fail, running, "did not finish within " + std::to_string(kChildSeconds) + " s (a hang?)");
        else
            report.add(Mark::Fail, running, std::string("the plugin crashed the host: signal ") + std::to_string(sig) +
                                                " (" + ::strsignal(sig) + ")");
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        report.add(Mark::Fail, running, "the plugin ended the host process with exit status " +
                                            std::to_string(WEXITSTATUS(status)));
    }
}

// ---- file and ELF checks -------------------------------------------------------------

void check_file(Report& report, const fs::path& file) {
    std::error_code ec;
    auto st = fs::status(file, ec);
    const auto writable_by_others = fs::perms::group_write | fs::perms::others_write;
    if (!ec && (st.permissions() & writable_by_others) != fs::perms::none)
        report.add(Mark::Warn, "permissions",
                   "writable by group or others: herald serve refuses it unless --allow-insecure-plugins "
                   "(install it with mode 0755 or 0644)");
    else
        report.add(Mark::Pass, "permissions", "not writable by group or others");
}

// False when the file is a truncated ELF that must not be handed to dlopen.
bool check_exports(Report& report, const fs::path& file) {
    std::string why;
    auto names = plugin_host::exported_symbols(file, why);
    if (!names) {
        const bool truncated = why.rfind("truncated", 0) == 0;
        report.add(Mark::Fail, truncated ? "elf" : "exports", why);
        return !truncated;
    }
    if (*names == std::vector<std::string>{HERALD_ENTRY_SYMBOL}) {
        report.add(Mark::Pass, "exports", "exactly one exported symbol, " HERALD_ENTRY_SYMBOL);
        return true;
    }
    std::string list;
    for (size_t i = 0; i < names->size() && i < 8; ++i) list += (i ? ", " : "") + (*names)[i];
    if (names->size() > 8) list += ", ... (" + std::to_string(names->size()) + " in all)";
    bool has_entry = std::find(names->begin(), names->end(), HERALD_ENTRY_SYMBOL) != names->end();
    report.add(Mark::Fail, "exports",
               std::string(has_entry ? "exports more than " HERALD_ENTRY_SYMBOL : "does not export " HERALD_ENTRY_SYMBOL) +
                   (list.empty() ? std::string() : ": " + list) +
                   " (build with herald_add_plugin: hidden visibility and the herald_plugin.map version script)");
    return true;
}

// ---- descriptor checks ---------------------------------------------------------------------

bool valid_int(const std::string& s) { return std::regex_match(s, std::regex("-?[0-9]+")); }
bool valid_bool(const std::string& s) {
    static const std::set<std::string> words = {"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"};
    return words.count(s) > 0;
}
bool valid_duration(const std::string& s) { return std::regex_match(s, std::regex("([0-9]+(\\.[0-9]+)?(ms|s|m))+")); }

// Why a default value does not fit its field's kind; nullopt when it does.
std::optional<std::string> bad_default(const ph::FieldSchema& f) {
    if (!f.default_value) return std::nullopt;
    const std::string& v = *f.default_value;
    switch (f.kind) {
        case HERALD_FIELD_INT: return valid_int(v) ? std::nullopt : std::optional<std::string>("is not an int");
        case HERALD_FIELD_BOOL: return valid_bool(v) ? std::nullopt : std::optional<std::string>("is not a bool");
        case HERALD_FIELD_DURATION:
            return valid_duration(v) ? std::nullopt : std::optional<std::string>("is not a duration like 1.5s");
        case HERALD_FIELD_URL:
            return sdk::parse_url(v) ? std::nullopt : std::optional<std::string>("is not an absolute http(s) URL");
        default: return std::nullopt;
    }
}

void check_descriptor(Report& report, const ph::PluginInfo& p) {
    std::vector<std::string> problems, notes;
    auto need = [&](const std::string& value, const char* what) {
        if (value.empty()) problems.push_back(std::string(what) + " is empty");
    };
    need(p.vendor, "vendor");
    need(p.license, "license");
    need(p.description, "description");
    if (p.id.find('.') == std::string::npos) problems.push_back("id \"" + p.id + "\" is not reverse-DNS (e.g. com.example.herald.chat)");
    if (!std::regex_match(p.version, std::regex("[0-9]+\\.[0-9]+\\.[0-9]+([-+].*)?")))
        problems.push_back("version \"" + p.version + "\" is not SemVer");
    if (p.url.empty()) notes.push_back("url is empty");
    std::string who = p.id + " " + p.version + " (" + p.name + "), built for ABI " + std::to_string(p.abi_major) +
                      "." + std::to_string(p.abi_minor);
    if (!problems.empty()) {
        std::string joined;
        for (const auto& s : problems) joined += (joined.empty() ? "" : "; ") + s;
        report.add(Mark::Fail, "descriptor", who + ": " + joined);
    } else {
        report.add(Mark::Pass, "descriptor", who + ": id, name, version, vendor, license, description filled");
    }
    for (const auto& n : notes) report.add(Mark::Warn, "descriptor", n);
}

void check_type_schema(Report& report, const ph::TypeSchema& t) {
    const std::string check = "schema[" + t.type + "]";
    std::vector<std::string> problems;
    if (t.summary.empty()) problems.push_back("summary is empty");
    const uint32_t known = HERALD_TYPE_COMMIT_STATUS | HERALD_TYPE_FORWARDS_ALL | HERALD_TYPE_ORDERED;
    if (t.flags & ~known) problems.push_back("unknown type flags " + std::to_string(t.flags & ~known));
    const uint32_t known_field = HERALD_FIELD_REQUIRED | HERALD_FIELD_SENSITIVE | HERALD_FIELD_SECRET | HERALD_FIELD_DEPRECATED;
    for (const auto& f : t.fields) {
        std::string path = std::string((f.flags & HERALD_FIELD_SECRET) ? "secret." : "spec.") + f.name;
        if (f.description.empty()) problems.push_back(path + " has no description");
        if (f.flags & ~known_field) problems.push_back(path + " has unknown flags");
        if (auto why = bad_default(f)) problems.push_back(path + " default \"" + *f.default_value + "\" " + *why);
    }
    if (t.fields.empty()) problems.push_back("no configuration fields (every type needs at least its address or a secret)");
    if (problems.empty()) {
        report.add(Mark::Pass, check, std::to_string(t.fields.size()) + " field(s), each described; defaults fit their kinds");
        return;
    }
    std::string joined;
    for (const auto& s : problems) joined += (joined.empty() ? "" : "; ") + s;
    report.add(Mark::Fail, check, joined);
}

// ---- validate with an empty config (called on the plugin directly) ------------------------

struct DiagCollector {
    std::vector<std::string> errors, others;
    static void report(void* ctx, herald_level level, herald_str field, herald_str text) {
        auto* self = static_cast<DiagCollector*>(ctx);
        std::string line = std::string(sdk::view(text));
        if (field.size) line = std::string(sdk::view(field)) + ": " + line;
        (level >= HERALD_LEVEL_ERROR ? self->errors : self->others).push_back(std::move(line));
    }
};

// The descriptor of the already loaded file (dlopen of a loaded object returns
// the same handle; nothing is loaded twice).
const herald_plugin* descriptor_of(const fs::path& file) {
    void* h = ::dlopen(fs::absolute(file).c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) return nullptr;
    auto entry = reinterpret_cast<herald_plugin_entry_fn>(::dlsym(h, HERALD_ENTRY_SYMBOL));
    return entry ? entry(HERALD_ABI_MINOR) : nullptr;
}

void check_empty_config(ChildSink& out, const herald_plugin& d, size_t type_index, const std::string& type) {
    const std::string check = "validate[" + type + "]";
    out.begin(check);
    herald_provider_config cfg{};
    cfg.struct_size = sizeof cfg;
    cfg.type = sdk::str(type);
    cfg.ns = sdk::str("default");
    cfg.name = sdk::str("plugin-check");
    cfg.uid = sdk::str("00000000-0000-0000-0000-000000000000");
    cfg.timeout_ms = 15000;
    DiagCollector diags;
    herald_diag diag{sizeof(herald_diag), &diags, &DiagCollector::report};
    herald_status st;
    if (d.validate) {
        st = d.validate(type_index, &cfg, &diag);
    } else {
        void* instance = nullptr;
        st = d.create(type_index, &cfg, &diag, &instance);
        if (instance) d.destroy(instance);
    }
    const char* how = d.validate ? "validate" : "create (no validate function)";
    if (st == HERALD_OK) {
        out.add(Mark::Fail, check, std::string(how) + " accepted an empty config; it must refuse a Provider "
                                   "without address or secrets and report why");
    } else if (diags.errors.empty()) {
        out.add(Mark::Fail, check, std::string(how) + " refused an empty config (status " + std::to_string(st) +
                                       ") without an error diagnostic; report at least one so users know why");
    } else {
        out.add(Mark::Pass, check, "empty config refused with " + std::to_string(diags.errors.size()) +
                                       " error diagnostic(s), first: " + diags.errors.front());
    }
}

// ---- sample config, event and responses ----------------------------------------------------

bool credential_name(std::string_view name) {
    for (const char* word : {"token", "password", "key", "secret"})
        if (sdk::to_lower(name).find(word) != std::string::npos) return true;
    return false;
}

std::string sample_value(const ph::FieldSchema& f, const std::string& address) {
    if (f.default_value && !f.default_value->empty()) return *f.default_value;
    std::string name = sdk::to_lower(f.name);
    switch (f.kind) {
        case HERALD_FIELD_URL: return address;
        case HERALD_FIELD_INT: return "1";
        case HERALD_FIELD_BOOL: return "false";
        case HERALD_FIELD_DURATION: return "1s";
        case HERALD_FIELD_MAP: return R"({"X-Sample":"1"})";
        default: break;
    }
    if (name == "address") return address;
    if (name == "channel") return "general";
    if (name == "username") return "herald";
    if (credential_name(name)) return "t0k3n";
    return "sample";
}

// A Provider with every required field, every defaulted field and the address
// filled with plausible values; with a `credential`, optional credential-like
// secret keys (token, password) get it too.
ph::ProviderSettings sample_settings(const ph::TypeSchema& t, const std::string& address, const std::string& credential) {
    ph::ProviderSettings s;
    s.type = t.type;
    s.ns = "flux-system";
    s.name = "plugin-check";
    s.uid = "0c9c2e41-d2f9-4f9b-9c1e-8d6b5e1c2a3f";
    s.address = address;
    for (const auto& f : t.fields) {
        bool secret = (f.flags & HERALD_FIELD_SECRET) != 0;
        bool credential_key = secret && f.kind == HERALD_FIELD_STRING && credential_name(f.name);
        bool wanted = (f.flags & HERALD_FIELD_REQUIRED) || f.default_value || f.name == "address" ||
                      (credential_key && !credential.empty());
        if (!wanted || (f.flags & HERALD_FIELD_DEPRECATED)) continue;
        std::string v = credential_key && !credential.empty() ? credential : sample_value(f, address);
        if (secret) {
            s.secrets.emplace_back(f.name, v);
        } else if (f.name == "address") {
            s.address = v;
        } else if (f.name == "channel") {
            s.channel = v;
        } else if (f.name == "username") {
            s.username = v;
        } else {
            s.fields.emplace_back(f.name, v);
        }
    }
    return s;
}

// Plausible addresses: a chat webhook, a git repository, an Azure DevOps repository.
const char* const kSampleAddresses[] = {"https://example.invalid/hook", "https://example.invalid/org/repo",
                                        "https://example.invalid/org/project/_git/repo"};
// First no optional credentials, then a bare token, then a user:password pair.
const char* const kSampleCredentials[] = {"", "t0k3n", "user:t0k3n"};

struct Created {
    std::shared_ptr<ph::ProviderInstance> instance;
    std::string address;
    std::vector<ph::Diag> diags;  // of the first attempt, when none worked
};

Created create_sample(const ph::PluginRegistry& registry, const ph::TypeSchema& t) {
    Created out;
    for (const char* credential : kSampleCredentials) {
        for (const char* address : kSampleAddresses) {
            auto r = registry.create(sample_settings(t, address, credential));
            if (r.instance) {
                out.instance = r.instance;
                out.address = address;
                return out;
            }
            if (out.diags.empty()) out.diags = r.diags;
        }
    }
    return out;
}

std::string canonical_json(const ph::EventData& e) {
    sdk::JsonWriter w;
    w.begin_object().key("involvedObject").begin_object();
    w.member("kind", e.kind).member("namespace", e.ns).member("name", e.name).member("apiVersion", e.api_version);
    w.end_object();
    w.member("severity", e.severity).member("timestamp", e.timestamp).member("message", e.message);
    w.member("reason", e.reason);
    w.key("metadata").begin_object();
    for (const auto& [k, v] : e.metadata) w.member(k, v);
    w.end_object();
    w.member("reportingController", e.reporting_controller);
    w.end_object();
    return w.take();
}

ph::EventData sample_event(bool error) {
    ph::EventData e;
    e.kind = "Kustomization";
    e.ns = "flux-system";
    e.name = "apps";
    e.api_version = "kustomize.toolkit.fluxcd.io/v1";
    e.severity = error ? "error" : "info";
    e.timestamp = "2024-05-01T10:00:00Z";
    e.timestamp_unix_ms = 1714557600000;
    e.message = error ? "Health check failed after 5m0s" : "Reconciliation finished in 1s";
    e.reason = error ? "HealthCheckFailed" : "ReconciliationSucceeded";
    e.reporting_controller = "kustomize-controller";
    e.reporting_instance = "kustomize-controller-7c7b47f5f-8bhrp";
    e.metadata = {{"revision", "main@sha1:69b59063470310ebbd88a9156325322a124e55a3"}};
    e.revision = "main@sha1:69b59063470310ebbd88a9156325322a124e55a3";
    e.commit_status_id = "kustomization/apps/0c9c2e41";
    e.canonical_json = canonical_json(e);
    return e;
}

ph::Reply answer(int status, std::string body) {
    ph::Reply r;
    r.delivered = true;
    r.status = status;
    r.body = std::move(body);
    r.headers = {{"Content-Type", "application/json"}};
    return r;
}

// A well-behaved receiver: empty list for GETs, a JSON ok object otherwise.
ph::Reply healthy_answer(const ph::OutgoingRequest& req) { return answer(200, req.method == "GET" ? "[]" : R"({"ok":true})"); }

struct Malformed {
    const char* name;
    int status;
    std::string body;
};

std::vector<Malformed> malformed_answers() {
    return {
        {"garbage body", 200, std::string("\x00\xff\xfe{[<not json>", 16)},
        {"empty body", 200, ""},
        {"huge body (2 MiB)", 200, std::string(2 * 1024 * 1024, 'x')},
        {"status 0", 0, ""},
        {"status 500 with HTML", 500, "<html><body>internal error</body></html>"},
        {"status 200 with invalid JSON", 200, R"({"ok":tru)"},
        {"status 200 with JSON of the wrong shape", 200, R"([[null,{"":[]}],7,"x"])"},
        {"status 404 with null", 404, "null"},
    };
}

// ---- exchange checks -------------------------------------------------------------------------

constexpr int64_t kNow = 1714557600000;

// Host-limit texts of the exchange runner (core/plugin_host/src/exchange.cpp).
bool is_limit_violation(const std::string& error) {
    for (const char* marker : {"protocol error", "requests in one step", "exceeds the 1 MiB limit",
                               "exceeds the 64 KiB limit", "is not an absolute http(s) URL", "request method",
                               "request header", "request struct", "header_count"})
        if (error.find(marker) != std::string::npos) return true;
    return false;
}

std::string describe_request(const ph::OutgoingRequest& r) {
    std::string s = r.method + " " + r.url + " timeout=" + std::to_string(r.timeout_ms) +
                    (r.idempotent ? " idempotent" : "") + "\n";
    for (const auto& h : r.headers) s += h.name + ": " + h.value + (h.sensitive ? " (sensitive)" : "") + "\n";
    return s + "\n" + r.body;
}

// Where two runs' requests first differ, or "" when they are byte-identical.
std::string first_difference(const std::vector<ph::OutgoingRequest>& a, const std::vector<ph::OutgoingRequest>& b) {
    if (a.size() != b.size())
        return "run 1 sent " + std::to_string(a.size()) + " request(s), run 2 sent " + std::to_string(b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        std::string x = describe_request(a[i]), y = describe_request(b[i]);
        if (x == y) continue;
        size_t at = 0;
        while (at < x.size() && at < y.size() && x[at] == y[at]) ++at;
        return "request " + std::to_string(i + 1) + " differs at byte " + std::to_string(at) + " of its text form (" +
               a[i].method + " " + a[i].url + ")";
    }
    return "";
}

struct TypeRun {
    ph::ProviderInstance& instance;
    ChildSink& out;
    std::string type;
    std::vector<std::string> limit_violations;

    ph::ExchangeResult run(const ph::EventData& event, int64_t now, const ph::Sender& send) {
        auto r = ph::run_exchange(instance, event, 0, now, send);
        if (r.outcome == ph::Outcome::Internal && is_limit_violation(r.error)) limit_violations.push_back(r.error);
        return r;
    }
};

void check_sample_and_determinism(TypeRun& t) {
    const std::string step_check = "step[" + t.type + "]", det_check = "deterministic[" + t.type + "]";
    t.out.begin(step_check);
    std::vector<std::string> outcomes, internal, differences;
    size_t requests = 0;
    for (bool error : {false, true}) {
        ph::EventData event = sample_event(error);
        auto first = t.run(event, kNow, healthy_answer);
        auto second = t.run(event, kNow, healthy_answer);
        std::string label = error ? "error event" : "info event";
        outcomes.push_back(label + " " + std::string(ph::outcome_name(first.outcome)));
        if (first.outcome == ph::Outcome::Internal) internal.push_back(label + ": " + first.error);
        requests += first.sent.size();
        std::string diff = first_difference(first.sent, second.sent);
        if (diff.empty() && first.outcome != second.outcome) diff = "outcomes differ";
        if (!diff.empty()) differences.push_back(label + ": " + diff);
    }
    std::string summary = outcomes[0] + ", " + outcomes[1];
    if (internal.empty())
        t.out.add(Mark::Pass, step_check, "sample exchanges: " + summary);
    else
        t.out.add(Mark::Fail, step_check, "a sample exchange ended as a plugin bug (internal): " + internal.front());
    if (differences.empty())
        t.out.add(Mark::Pass, det_check, "two runs on the same input sent the same " + std::to_string(requests) +
                                             " request(s) byte for byte");
    else
        t.out.add(Mark::Fail, det_check, "step is not deterministic: " + differences.front() +
                                             " (use the host's now_unix_ms, not the clock or randomness)");
}

void check_malformed_responses(TypeRun& t) {
    const std::string check = "malformed-responses[" + t.type + "]";
    t.out.begin(check);
    std::map<std::string, int> outcomes;
    std::vector<std::string> internal;
    int64_t now = kNow;
    for (const Malformed& m : malformed_answers()) {
        // Far apart in time, so the plugin's circuit breaker never refuses a run.
        now += ph::kBreakerOpenMs + 1000;
        ph::Sender send = [&](const ph::OutgoingRequest&) { return answer(m.status, m.body); };
        auto r = t.run(sample_event(true), now, send);
        ++outcomes[std::string(ph::outcome_name(r.outcome))];
        if (r.outcome == ph::Outcome::Internal && !is_limit_violation(r.error))
            internal.push_back(std::string(m.name) + ": " + r.error);
    }
    std::string seen;
    for (const auto& [name, n] : outcomes) seen += (seen.empty() ? "" : ", ") + name + " x" + std::to_string(n);
    t.out.add(Mark::Pass, check, std::to_string(malformed_answers().size()) +
                                     " malformed responses, no crash, outcomes: " + seen);
    if (!internal.empty())
        t.out.add(Mark::Warn, check, "ended internal (counts towards the circuit breaker) on " + internal.front() +
                                         "; prefer E_PERMANENT or E_RETRYABLE for a bad answer");
}

void check_limits(TypeRun& t) {
    const std::string check = "limits[" + t.type + "]";
    if (t.limit_violations.empty())
        t.out.add(Mark::Pass, check, "every run kept to 8 steps, 16 requests per step, 1 MiB bodies, 64 KiB state");
    else
        t.out.add(Mark::Fail, check, "host limit broken: " + t.limit_violations.front());
}

void check_type(Report& report, const ph::PluginRegistry& registry, const herald_plugin* d, size_t type_index,
                const ph::TypeSchema& t) {
    check_type_schema(report, t);
    run_isolated(report, "validate[" + t.type + "]", [&](ChildSink& out) {
        if (d) check_empty_config(out, *d, type_index, t.type);
    });
    run_isolated(report, "create[" + t.type + "]", [&](ChildSink& out) {
        out.begin("create[" + t.type + "]");
        Created c = create_sample(registry, t);
        if (!c.instance) {
            std::string diags;
            for (const auto& dg : c.diags)
                if (dg.level == ph::Level::Error) diags += (diags.empty() ? "" : "; ") + dg.field + ": " + dg.message;
            out.add(Mark::Skip, "create[" + t.type + "]",
                    "skipped: could not create an instance with sample values (" + diags +
                        "); step, determinism, malformed-response and limit checks not run");
            return;
        }
        out.add(Mark::Pass, "create[" + t.type + "]", "sample config accepted (address " + c.address + ")");
        TypeRun run{*c.instance, out, t.type, {}};
        check_sample_and_determinism(run);
        check_malformed_responses(run);
        check_limits(run);
    });
}

}  // namespace

int run_plugin_check(const std::vector<std::string>& args) {
    std::string error;
    auto flags = parse_flags(args, kPluginCheckFlags, error);
    const std::string usage = "herald plugin-check FILE.so";
    if (!flags || flags->positional.size() != 1 || flags->has("help")) {
        bool help = flags && flags->has("help");
        if (!help) std::cerr << "herald plugin-check: " << (flags ? "exactly one plugin file expected" : error) << "\n";
        (help ? std::cout : std::cerr) << format_help(
            usage,
            "Check one provider plugin against the herald plugin ABI: loading, descriptor, exported\n"
            "symbols, and for each type: empty config refused, sample config accepted, deterministic\n"
            "steps, malformed responses survived, host limits kept. Prints PASS/FAIL/SKIP/WARN per check;\n"
            "exits 0 when nothing FAILs, 1 otherwise.",
            kPluginCheckFlags);
        return help ? 0 : 2;
    }
    const fs::path file = flags->positional[0];
    Report report;
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
        report.add(Mark::Fail, "file", file.string() + " is not a readable regular file");
        report.summary();
        return 1;
    }
    std::cout << "plugin-check " << file.string() << " (herald " << HERALD_VERSION << ", plugin ABI "
              << HERALD_ABI_MAJOR << "." << HERALD_ABI_MINOR << ")\n";
    check_file(report, file);
    if (!check_exports(report, file)) {
        report.add(Mark::Fail, "load", "not attempted: loading a truncated ELF file crashes the loading process");
        report.summary();
        return 1;
    }

    ph::RegistryOptions options;
    options.allow_insecure = true;  // permissions are reported above, not refused
    options.host_version = HERALD_VERSION;
    // A first load in a child: constructors that crash or hang fail the check
    // instead of killing it.
    const size_t failed_before = report.count(Mark::Fail);
    run_isolated(report, "load", [&](ChildSink&) {
        ph::PluginRegistry probe(options);
        probe.load_file(file);
    });
    if (report.count(Mark::Fail) > failed_before) {
        report.summary();
        return 1;
    }
    ph::PluginRegistry registry(options);
    if (!registry.load_file(file)) {
        report.add(Mark::Fail, "load", registry.refusals().empty() ? "refused" : registry.refusals().front().reason);
        report.summary();
        return 1;
    }
    const ph::PluginInfo& info = *registry.plugins().front();
    std::string types;
    for (const auto& t : info.types) types += (types.empty() ? "" : ", ") + t.type;
    report.add(Mark::Pass, "load", "loaded by the real loader; serves " + types);
    check_descriptor(report, info);
    const herald_plugin* d = descriptor_of(file);
    if (!d) report.add(Mark::Fail, "validate", "cannot reach the descriptor again through dlopen");
    for (size_t i = 0; i < info.types.size(); ++i) check_type(report, registry, d, i, info.types[i]);
    report.summary();
    return report.failed() ? 1 : 0;
}

}  // namespace herald::app
