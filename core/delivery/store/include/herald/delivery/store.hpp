// The durable delivery store: every accepted event and its deliveries, their
// outcomes, and the dead letters. SQLite in WAL mode at <dir>/herald.db.
//
// Writes go through one writer thread that batches every caller's work into a
// single transaction (group commit), so many intake threads pay for one commit
// together. Reads use a separate read-only connection and never wait for it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald::delivery {

// Stored as integers 0/1/2 (part of the schema: do not renumber).
// "In flight" exists only in memory: after a crash such a delivery is Pending again.
enum class State { Pending = 0, Done = 1, Dead = 2 };

// "pending", "done", "dead": the names the admin API uses.
std::string_view to_string(State state);
std::optional<State> parse_state(std::string_view name);

struct NewDelivery {
  std::string provider;    // "namespace/name" of the Provider
  std::string alert;       // "namespace/name" of the Alert that matched
  std::string event_json;  // the per-Alert notification event, canonical JSON
};

struct StoredDelivery {
  int64_t id = 0;
  int64_t event_id = 0;
  std::string provider;
  std::string alert;
  std::string event_json;
  State state = State::Pending;
  int attempts = 0;
  int64_t next_attempt_ms = 0;  // unix ms; a new delivery is due at once
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  std::string last_error;
};

struct StoreOptions {
  std::filesystem::path dir;  // the --state directory; created when missing
  // false: synchronous=NORMAL, survives a process crash (kill -9).
  // true: synchronous=FULL, also survives power loss, at an fsync per batch.
  bool full_fsync = false;
  std::chrono::milliseconds retention{std::chrono::hours(24)};  // how long Done deliveries stay
  size_t max_batch = 1024;  // queued items (events or outcome updates) per transaction
  // Upper bound for the database file in bytes (0 = none). Past it commits fail
  // with "database or disk is full", exactly as on a full disk.
  uint64_t max_db_bytes = 0;
  // Test seam: runs on the writer thread just before each transaction starts.
  std::function<void()> before_transaction;
};

// Monotonic counters since open(), for metrics and tests.
struct StoreStats {
  uint64_t transactions = 0;     // committed or rolled back
  uint64_t events_committed = 0;
  uint64_t failed_transactions = 0;
  uint64_t dropped_updates = 0;  // outcome updates given up after repeated failures
  size_t queued = 0;             // items waiting for the writer right now
};

class DeliveryStore {
 public:
  // Opens (creating the directory, file and schema when missing) <dir>/herald.db.
  // Returns nullptr and a message naming the path and the reason when the
  // directory is not writable, the file is not a herald store, or is corrupt.
  static std::unique_ptr<DeliveryStore> open(const StoreOptions& options, std::string& error);
  ~DeliveryStore();  // commits everything queued, then stops the writer
  DeliveryStore(const DeliveryStore&) = delete;
  DeliveryStore& operator=(const DeliveryStore&) = delete;

  // Durably records one event (raw cleaned JSON) with its deliveries, all Pending
  // and due now. Blocks until the transaction holding it has committed. Returns
  // the delivery ids in the order given, or nullopt and the reason (disk full,
  // I/O error, store closing): then nothing of this event was stored.
  // [thread-safe]
  // `on_commit`, when given, runs on the writer thread as soon as the
  // transaction committed, with the ids, before the caller wakes: handing the
  // deliveries to the scheduler there saves the delivery path a thread hop.
  // It must be quick and must not call the store.
  std::optional<std::vector<int64_t>> commit_event(std::string event_json,
                                                   std::vector<NewDelivery> deliveries,
                                                   std::string& error,
                                                   std::function<void(const std::vector<int64_t>&)> on_commit = {});

  // Outcome updates: queued for the writer and committed with the next batch;
  // they do not block. They apply only to a Pending delivery (a stale update
  // for a row that is Done, Dead or pruned is ignored). [thread-safe]
  void mark_done(int64_t id, int attempts);
  void mark_retry(int64_t id, int attempts, int64_t next_attempt_ms, std::string last_error);
  void mark_dead(int64_t id, int attempts, std::string last_error);
  // Waits until everything queued before this call is committed. [thread-safe]
  void flush();

  // Reads: a consistent snapshot of what has been committed. They throw
  // std::runtime_error only when the file itself fails (I/O error, corruption).
  // [thread-safe]
  std::vector<StoredDelivery> load_unfinished();  // every Pending delivery by id: resume at startup
  // Deliveries with id > after_id, ordered by id, at most `limit`; filters optional.
  std::vector<StoredDelivery> list(std::optional<State> state,
                                   std::optional<std::string> provider,
                                   size_t limit,
                                   int64_t after_id = 0);
  std::optional<StoredDelivery> get(int64_t id);
  std::optional<std::string> event_json(int64_t event_id);  // the raw event as received

  // Dead -> Pending with attempts 0 and due now. Returns the rows that changed
  // (empty when the id is not Dead), for the scheduler to pick up. [thread-safe]
  std::vector<StoredDelivery> replay(int64_t id);
  std::vector<StoredDelivery> replay_provider(std::string_view provider);

  struct Counts {
    int64_t pending = 0, done = 0, dead = 0;
  };
  Counts counts() const;  // kept in memory, exact after each commit: cheap for /metrics

  // Deletes Done deliveries last updated before now_ms - retention, and events
  // older than that with no delivery left. The newest delivery and the newest
  // event always stay, so ids are never handed out twice. Works in bounded
  // chunks so commits keep flowing meanwhile. Returns the deliveries deleted.
  size_t prune(int64_t now_ms);

  StoreStats stats() const;

  struct Impl;

 private:
  explicit DeliveryStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Unix time in milliseconds (the clock the store stamps rows with).
int64_t unix_now_ms();

}  // namespace herald::delivery
