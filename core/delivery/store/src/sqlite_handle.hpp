// Thin RAII over the SQLite C API, private to the store. Failures inside the
// store throw SqliteError, caught at the transaction boundary and turned into
// an error for every caller of that batch.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace herald::delivery {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

class Connection {
 public:
  Connection() = default;
  ~Connection();
  Connection(Connection&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;

  // Returns an empty Connection and sets error when the file cannot be opened.
  static Connection open(const std::string& path, bool read_only, std::string& error);
  sqlite3* get() const { return db_; }
  explicit operator bool() const { return db_ != nullptr; }
  void exec(const char* sql);                      // throws SqliteError
  int64_t query_int(const char* sql);              // first column of the first row; throws
  std::string message(int code) const;             // "<errmsg> (<errstr>)"

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// A prepared statement kept for the life of its connection and reused.
class Statement {
 public:
  Statement() = default;
  Statement(Connection& db, const char* sql);  // throws SqliteError
  ~Statement();
  Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;

  // Bindings borrow the text: it must outlive the step() calls (until reset()).
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_null(int index);
  bool step();   // true: a row is ready; false: done. Throws SqliteError.
  void reset();  // ready for new bindings
  void run();    // steps a statement that returns no rows, then resets it

  int64_t column_int(int column) const;
  std::string column_text(int column) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when the scope ends, also when a step threw.
class StatementScope {
 public:
  explicit StatementScope(Statement& stmt) : stmt_(stmt) {}
  ~StatementScope() { stmt_.reset(); }
  StatementScope(const StatementScope&) = delete;

 private:
  Statement& stmt_;
};

}  // namespace herald::delivery
