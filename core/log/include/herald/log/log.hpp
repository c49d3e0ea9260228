// Structured logging: one line per record with time, level, component, a
// message and key=value fields, as text (default) or JSON. Every registered
// secret value is masked as ***** in messages and field values, whatever stage
// wrote them, so a token that slips into an error text still never reaches
// the log.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::log {

enum class Level { Debug = 0, Info = 1, Warning = 2, Error = 3 };
enum class Format { Text, Json };

using Field = std::pair<std::string_view, std::string_view>;

void set_level(Level level);
void set_component_level(std::string_view component, Level level);  // overrides set_level for one component
void set_format(Format format);
// Parses "debug|info|warn|warning|error"; false when unknown.
bool parse_level(std::string_view text, Level& out);

// Replaces the set of secret strings masked in every record (thread-safe).
void set_secrets(std::vector<std::string> secrets);
// Masks every known secret in `text` (also used for metrics, API and CLI output).
std::string mask(std::string_view text);

bool enabled(std::string_view component, Level level);
void write(Level level, std::string_view component, std::string_view message, std::initializer_list<Field> fields = {});

inline void debug(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) { if (enabled(c, Level::Debug)) write(Level::Debug, c, m, f); }
inline void info(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) { write(Level::Info, c, m, f); }
inline void warning(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) { write(Level::Warning, c, m, f); }
inline void error(std::string_view c, std::string_view m, std::initializer_list<Field> f = {}) { write(Level::Error, c, m, f); }

}  // namespace herald::log
