// Command-line flags of the subcommands: `--name value` or `--name=value`,
// boolean flags without a value, and one clear error for anything else.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace herald::app {

struct FlagSpec {
    std::string name;  // without "--"
    bool takes_value = true;
    std::string value_name;  // for --help, e.g. DIR
    std::string help;
    std::string default_value;  // shown in --help; applied by the caller
};

struct ParsedFlags {
    std::map<std::string, std::string> values;              // the last value of each flag
    std::map<std::string, std::vector<std::string>> every;  // every value of a repeated flag, in order
    std::set<std::string> present;
    std::vector<std::string> positional;

    bool has(const std::string& name) const { return present.count(name) > 0; }
    std::string get(const std::string& name, const std::string& fallback = "") const;
    std::vector<std::string> get_all(const std::string& name) const;
};

// Parses argv after the subcommand; on error returns nullopt and sets `error`.
std::optional<ParsedFlags> parse_flags(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs,
                                       std::string& error);

std::string format_help(const std::string& usage, const std::string& summary, const std::vector<FlagSpec>& specs);

// Go-style durations for flags: "10s", "1h", "500ms", "5m".
std::optional<int64_t> parse_duration_ms(const std::string& text);

}  // namespace herald::app
