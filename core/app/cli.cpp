#include "cli.hpp"

#include <cctype>
#include <sstream>

namespace herald::app {

std::string ParsedFlags::get(const std::string& name, const std::string& fallback) const {
    auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
}

std::vector<std::string> ParsedFlags::get_all(const std::string& name) const {
    auto it = every.find(name);
    return it == every.end() ? std::vector<std::string>{} : it->second;
}

std::optional<ParsedFlags> parse_flags(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs,
                                       std::string& error) {
    ParsedFlags out;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.rfind("--", 0) != 0 || a == "--") {
            out.positional.push_back(a);
            continue;
        }
        std::string name = a.substr(2), value;
        bool inline_value = false;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            inline_value = true;
        }
        const FlagSpec* spec = nullptr;
        for (const auto& s : specs)
            if (s.name == name) spec = &s;
        if (!spec) {
            error = "unknown flag --" + name;
            return std::nullopt;
        }
        if (spec->takes_value && !inline_value) {
            if (i + 1 >= args.size()) {
                error = "flag --" + name + " needs a value (" + spec->value_name + ")";
                return std::nullopt;
            }
            value = args[++i];
        }
        if (!spec->takes_value && inline_value) {
            error = "flag --" + name + " takes no value";
            return std::nullopt;
        }
        out.present.insert(name);
        out.values[name] = value;
        out.every[name].push_back(value);
    }
    return out;
}

std::string format_help(const std::string& usage, const std::string& summary, const std::vector<FlagSpec>& specs) {
    std::ostringstream s;
    s << "usage: " << usage << "\n\n" << summary << "\n";
    if (!specs.empty()) s << "\nflags:\n";
    for (const auto& f : specs) {
        std::string left = "  --" + f.name + (f.takes_value ? " " + f.value_name : "");
        s << left;
        if (left.size() < 28) s << std::string(28 - left.size(), ' ');
        else s << "\n" << std::string(28, ' ');
        s << f.help;
        if (!f.default_value.empty()) s << " (default " << f.default_value << ")";
        s << "\n";
    }
    return s.str();
}

std::optional<int64_t> parse_duration_ms(const std::string& text) {
    if (text.empty()) return std::nullopt;
    double total = 0;
    size_t i = 0;
    while (i < text.size()) {
        size_t start = i;
        while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
        if (start == i) return std::nullopt;
        double n = std::stod(text.substr(start, i - start));
        std::string unit;
        while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) unit += text[i++];
        if (unit == "ms") total += n;
        else if (unit == "s") total += n * 1000;
        else if (unit == "m") total += n * 60000;
        else if (unit == "h") total += n * 3600000;
        else return std::nullopt;
    }
    return int64_t(total);
}

}  // namespace herald::app
