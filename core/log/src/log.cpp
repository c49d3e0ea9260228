#include <herald/log/log.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>

namespace herald::log {
namespace {

std::atomic<int> g_level{int(Level::Info)};
std::atomic<int> g_format{int(Format::Text)};
std::shared_mutex g_mutex;  // guards the two below
std::map<std::string, Level, std::less<>> g_component_levels;
std::vector<std::string> g_secrets;
std::mutex g_write_mutex;

const char* level_name(Level l) {
    switch (l) {
        case Level::Debug: return "debug";
        case Level::Info: return "info";
        case Level::Warning: return "warning";
        case Level::Error: return "error";
    }
    return "info";
}

std::string timestamp() {
    using namespace std::chrono;
    auto now = system_clock::now();
    auto t = system_clock::to_time_t(now);
    auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, int(ms));
    return buf;
}

// Text values are quoted when they hold spaces, quotes or '='.
void append_text_value(std::string& out, std::string_view v) {
    bool quote = v.empty() || v.find_first_of(" \"=\t\n") != std::string_view::npos;
    if (!quote) {
        out += v;
        return;
    }
    out.push_back('"');
    for (char c : v) {
        if (c == '"' || c == '\\') out.push_back('\\');
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out.push_back(c);
    }
    out.push_back('"');
}

void append_json_string(std::string& out, std::string_view v) {
    out.push_back('"');
    for (unsigned char c : v) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out.push_back(char(c));
                }
        }
    }
    out.push_back('"');
}

}  // namespace

void set_level(Level level) { g_level = int(level); }
void set_format(Format format) { g_format = int(format); }

void set_component_level(std::string_view component, Level level) {
    std::unique_lock lock(g_mutex);
    g_component_levels[std::string(component)] = level;
}

bool parse_level(std::string_view text, Level& out) {
    if (text == "debug") out = Level::Debug;
    else if (text == "info") out = Level::Info;
    else if (text == "warn" || text == "warning") out = Level::Warning;
    else if (text == "error") out = Level::Error;
    else return false;
    return true;
}

void set_secrets(std::vector<std::string> secrets) {
    // Longest first, so a secret containing another is masked whole.
    std::sort(secrets.begin(), secrets.end(), [](auto& a, auto& b) { return a.size() > b.size(); });
    secrets.erase(std::remove_if(secrets.begin(), secrets.end(), [](auto& s) { return s.size() < 4; }), secrets.end());
    std::unique_lock lock(g_mutex);
    g_secrets = std::move(secrets);
}

std::string mask(std::string_view text) {
    std::string out(text);
    std::shared_lock lock(g_mutex);
    for (const auto& s : g_secrets) {
        for (size_t pos = out.find(s); pos != std::string::npos; pos = out.find(s, pos + 5)) out.replace(pos, s.size(), "*****");
    }
    return out;
}

bool enabled(std::string_view component, Level level) {
    {
        std::shared_lock lock(g_mutex);
        if (!g_component_levels.empty()) {
            auto it = g_component_levels.find(component);
            if (it != g_component_levels.end()) return int(level) >= int(it->second);
        }
    }
    return int(level) >= g_level.load(std::memory_order_relaxed);
}

void write(Level level, std::string_view component, std::string_view message, std::initializer_list<Field> fields) {
    if (!enabled(component, level)) return;
    std::string line;
    line.reserve(160);
    if (Format(g_format.load()) == Format::Json) {
        line += "{\"time\":\"" + timestamp() + "\",\"level\":\"" + level_name(level) + "\",\"component\":";
        append_json_string(line, component);
        line += ",\"msg\":";
        append_json_string(line, mask(message));
        for (const auto& [k, v] : fields) {
            line.push_back(',');
            append_json_string(line, k);
            line.push_back(':');
            append_json_string(line, mask(v));
        }
        line += "}\n";
    } else {
        line += timestamp();
        line += " level=";
        line += level_name(level);
        line += " component=";
        line += component;
        line += " msg=";
        append_text_value(line, mask(message));
        for (const auto& [k, v] : fields) {
            line.push_back(' ');
            line += k;
            line.push_back('=');
            append_text_value(line, mask(v));
        }
        line.push_back('\n');
    }
    std::lock_guard lock(g_write_mutex);
    std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace herald::log
