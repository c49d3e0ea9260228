#include "sqlite_handle.hpp"

#include <sqlite3.h>

namespace herald::delivery {

namespace {

std::string describe(sqlite3* db, int code) {
  std::string text = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  std::string_view name = sqlite3_errstr(code);
  if (text != name) text += " (" + std::string(name) + ")";
  return text;
}

}  // namespace

Connection::~Connection() {
  if (db_) sqlite3_close_v2(db_);
}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this == &other) return *this;
  if (db_) sqlite3_close_v2(db_);
  db_ = other.db_;
  other.db_ = nullptr;
  return *this;
}

Connection Connection::open(const std::string& path, bool read_only, std::string& error) {
  sqlite3* db = nullptr;
  // NOMUTEX: each connection is used by one thread at a time (the writer
  // thread, or readers under the store's read lock), so SQLite's own lock is waste.
  int flags = SQLITE_OPEN_NOMUTEX |
              (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    error = describe(db, rc);
    sqlite3_close_v2(db);
    return Connection();
  }
  sqlite3_extended_result_codes(db, 1);
  return Connection(db);
}

void Connection::exec(const char* sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return;
  std::string text = message ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  throw SqliteError(rc, text + " (" + sqlite3_errstr(rc) + ")");
}

int64_t Connection::query_int(const char* sql) {
  Statement stmt(*this, sql);
  if (!stmt.step()) return 0;
  return stmt.column_int(0);
}

std::string Connection::message(int code) const { return describe(db_, code); }

Statement::Statement(Connection& db, const char* sql) : db_(db.get()) {
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) throw SqliteError(rc, describe(db_, rc));
}

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this == &other) return *this;
  if (stmt_) sqlite3_finalize(stmt_);
  db_ = other.db_;
  stmt_ = other.stmt_;
  other.stmt_ = nullptr;
  return *this;
}

Statement& Statement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  // SQLITE_STATIC: no copy; the caller keeps the text alive until reset().
  // A null pointer would bind SQL NULL; an empty view must stay an empty text.
  const char* data = text.data() ? text.data() : "";
  sqlite3_bind_text(stmt_, index, data, static_cast<int>(text.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw SqliteError(rc, describe(db_, rc));
}

void Statement::run() {
  StatementScope scope(*this);
  step();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Statement::column_int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::column_text(int column) const {
  auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (!text) return {};
  return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

}  // namespace herald::delivery
