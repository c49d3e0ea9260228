#include "herald/delivery/store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <system_error>
#include <thread>
#include <variant>

#include "sqlite_handle.hpp"

namespace herald::delivery {

namespace {

constexpr int64_t kSchemaVersion = 2;
constexpr int64_t kApplicationId = 0x48524c44;  // "HRLD": marks the file as a herald store
constexpr int kBusyTimeoutMs = 5000;
constexpr int64_t kPruneChunk = 5000;  // rows per prune transaction: bounds the writer's pause
constexpr int kUpdateAttempts = 3;     // an outcome update is retried this often before it is dropped
constexpr auto kFailurePause = std::chrono::milliseconds(100);  // after a failed transaction
// WAL size (in 4 KiB frames) at which the checkpoint thread copies the WAL back
// into the database file, and the size at which the writer does it itself
// because the checkpoint thread cannot keep up (bounds the WAL file).
constexpr int kCheckpointFrames = 8000;
// Outcome updates have nobody waiting for them: they wait up to this long (or
// until this many are queued) to share the next commit's transaction instead
// of costing a wake-up and a transaction each. A crash in that window sends
// those deliveries again after the restart (at least once, as promised).
constexpr auto kUpdateDelay = std::chrono::milliseconds(50);
constexpr size_t kUpdateBatch = 256;
constexpr int kWriterCheckpointFrames = 64000;

// Schema migrations: entry i upgrades version i to i+1. Append, never edit.
const char* const kMigrations[] = {
    R"sql(
PRAGMA application_id = 1213353028;
CREATE TABLE events(
  id          INTEGER PRIMARY KEY,
  received_ms INTEGER NOT NULL,
  json        TEXT NOT NULL);
CREATE TABLE deliveries(
  id              INTEGER PRIMARY KEY,
  event_id        INTEGER NOT NULL,
  provider        TEXT NOT NULL,
  alert           TEXT NOT NULL,
  event_json      TEXT NOT NULL,
  state           INTEGER NOT NULL DEFAULT 0,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL,
  created_ms      INTEGER NOT NULL,
  updated_ms      INTEGER NOT NULL,
  last_error      TEXT NOT NULL DEFAULT '');
CREATE INDEX deliveries_state ON deliveries(state, id);
CREATE INDEX deliveries_provider ON deliveries(provider, state, id);
CREATE INDEX deliveries_event ON deliveries(event_id);
)sql",
    // v2: a delivery whose notification is the event itself stores '' in
    // event_json and reads the event's JSON (one copy per event in the file);
    // the provider index leaves out the state, so an outcome update rewrites
    // one index fewer. Older rows keep their own copy and stay valid.
    R"sql(
DROP INDEX deliveries_provider;
CREATE INDEX deliveries_provider ON deliveries(provider, id);
)sql",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kSchemaVersion);
static_assert(kApplicationId == 1213353028);

#define HERALD_DELIVERY_COLUMNS \
  "id, event_id, provider, alert, event_json, state, attempts, next_attempt_ms, created_ms, updated_ms, last_error"
// The same columns read back for the API and the scheduler: an empty
// event_json (schema v2) means the notification is the event's own JSON.
#define HERALD_DELIVERY_SELECT \
  "id, event_id, provider, alert, CASE WHEN event_json = '' THEN" \
  " (SELECT json FROM events WHERE events.id = deliveries.event_id) ELSE event_json END," \
  " state, attempts, next_attempt_ms, created_ms, updated_ms, last_error"

constexpr int kPending = static_cast<int>(State::Pending);
constexpr int kDone = static_cast<int>(State::Done);
constexpr int kDead = static_cast<int>(State::Dead);

StoredDelivery read_row(const Statement& stmt) {
  StoredDelivery row;
  row.id = stmt.column_int(0);
  row.event_id = stmt.column_int(1);
  row.provider = stmt.column_text(2);
  row.alert = stmt.column_text(3);
  row.event_json = stmt.column_text(4);
  int64_t state = stmt.column_int(5);
  row.state = (state == kDone) ? State::Done : (state == kDead) ? State::Dead : State::Pending;
  row.attempts = static_cast<int>(stmt.column_int(6));
  row.next_attempt_ms = stmt.column_int(7);
  row.created_ms = stmt.column_int(8);
  row.updated_ms = stmt.column_int(9);
  row.last_error = stmt.column_text(10);
  return row;
}

// Steps a row-returning statement to the end, collecting its rows.
std::vector<StoredDelivery> read_rows(Statement& stmt) {
  StatementScope scope(stmt);
  std::vector<StoredDelivery> rows;
  while (stmt.step()) rows.push_back(read_row(stmt));
  return rows;
}

int64_t sql_limit(size_t limit) {
  constexpr auto max = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  return limit >= max ? -1 : static_cast<int64_t>(limit);  // -1: no limit
}

// One caller waiting for its batch. Its own lock and condition, so finishing a
// batch wakes exactly its callers and never contends with callers enqueuing.
class Completion {
 public:
  void signal() {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
    wake_.notify_one();  // under the lock: the waiter may destroy us as soon as it sees finished_
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait(lock, [&] { return finished_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool finished_ = false;
};

// Work an intake thread hands to the writer; lives on the caller's stack
// while the caller waits.
struct CommitJob {
  std::string event_json;
  std::vector<NewDelivery> deliveries;
  std::function<void(const std::vector<int64_t>&)> on_commit;
  std::vector<int64_t> ids;
  std::string error;
  Completion done;
};

struct UpdateOp {
  enum class Kind { Done, Retry, Dead } kind;
  int64_t id;
  int attempts;
  int64_t next_attempt_ms;
  std::string last_error;
  int failures = 0;
};

struct Writer;
struct TaskJob {
  std::function<void(Writer&)> run;
  std::string error;
  Completion done;
};

using QueueItem = std::variant<CommitJob*, UpdateOp, TaskJob*>;

struct CountDeltas {
  int64_t pending = 0, done = 0, dead = 0;
};

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

// The writing connection; touched only by the writer thread once it runs.
struct Writer {
  Connection db;  // first member: destroyed after its statements
  Statement begin, commit, rollback;
  Statement insert_event, insert_delivery;
  Statement mark_done, mark_retry, mark_dead;
  Statement replay_one, replay_provider, event_of;
  Statement prune_deliveries, prune_events;
  int64_t now_ms = 0;   // one timestamp per transaction
  CountDeltas deltas;   // applied to the in-memory counts when the transaction commits

  void prepare() {
    begin = Statement(db, "BEGIN IMMEDIATE");
    commit = Statement(db, "COMMIT");
    rollback = Statement(db, "ROLLBACK");
    insert_event = Statement(db, "INSERT INTO events(received_ms, json) VALUES(?1, ?2)");
    insert_delivery = Statement(db,
        "INSERT INTO deliveries(event_id, provider, alert, event_json, state, attempts,"
        " next_attempt_ms, created_ms, updated_ms) VALUES(?1, ?2, ?3, ?4, 0, 0, ?5, ?5, ?5)");
    mark_done = Statement(db,
        "UPDATE deliveries SET state = 1, attempts = ?2, updated_ms = ?3 WHERE id = ?1 AND state = 0");
    mark_retry = Statement(db,
        "UPDATE deliveries SET attempts = ?2, next_attempt_ms = ?3, last_error = ?4, updated_ms = ?5"
        " WHERE id = ?1 AND state = 0");
    mark_dead = Statement(db,
        "UPDATE deliveries SET state = 2, attempts = ?2, last_error = ?3, updated_ms = ?4"
        " WHERE id = ?1 AND state = 0");
    replay_one = Statement(db,
        "UPDATE deliveries SET state = 0, attempts = 0, next_attempt_ms = ?1, updated_ms = ?1"
        " WHERE id = ?2 AND state = 2 RETURNING " HERALD_DELIVERY_COLUMNS);
    replay_provider = Statement(db,
        "UPDATE deliveries SET state = 0, attempts = 0, next_attempt_ms = ?1, updated_ms = ?1"
        " WHERE provider = ?2 AND state = 2 RETURNING " HERALD_DELIVERY_COLUMNS);
    event_of = Statement(db, "SELECT json FROM events WHERE id = ?1");
    // Both prunes keep the newest row of their table: without AUTOINCREMENT
    // (a sqlite_sequence write per insert) that is what keeps ids from being reused.
    prune_deliveries = Statement(db,
        "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries"
        " WHERE state = 1 AND updated_ms < ?1 AND id < (SELECT max(id) FROM deliveries) LIMIT ?2)");
    // Events are stamped in id order, so every event before the first young one
    // is old: a rowid range instead of an index on received_ms on the hot path.
    prune_events = Statement(db,
        "DELETE FROM events WHERE id IN (SELECT e.id FROM events e WHERE e.id < coalesce("
        "(SELECT id FROM events WHERE received_ms >= ?1 ORDER BY id LIMIT 1), (SELECT max(id) FROM events))"
        " AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id) LIMIT ?2)");
  }

  int changes() const { return sqlite3_changes(db.get()); }

  // RETURNING cannot read another table: fills the event's JSON into rows
  // that share it (empty event_json, schema v2).
  void fill_event_json(std::vector<StoredDelivery>& rows) {
    for (auto& row : rows) {
      if (!row.event_json.empty()) continue;
      StatementScope scope(event_of);
      if (event_of.bind(1, row.event_id).step()) row.event_json = event_of.column_text(0);
    }
  }
};

// The read-only connection for admin queries; WAL lets it read while the
// writer writes. One lock serialises its users.
struct Reader {
  Connection db;
  Statement get, event, unfinished;
  Statement list_all, list_state, list_provider, list_state_provider;
  Statement counts;
  std::mutex mutex;

  void prepare() {
    get = Statement(db, "SELECT " HERALD_DELIVERY_SELECT " FROM deliveries WHERE id = ?1");
    event = Statement(db, "SELECT json FROM events WHERE id = ?1");
    unfinished = Statement(db,
        "SELECT " HERALD_DELIVERY_SELECT " FROM deliveries WHERE state = 0 ORDER BY id");
    // One statement per filter combination, so each uses its index.
    list_all = Statement(db,
        "SELECT " HERALD_DELIVERY_SELECT " FROM deliveries WHERE id > ?1 ORDER BY id LIMIT ?2");
    list_state = Statement(db,
        "SELECT " HERALD_DELIVERY_SELECT " FROM deliveries WHERE state = ?3 AND id > ?1"
        " ORDER BY id LIMIT ?2");
    list_provider = Statement(db,
        "SELECT " HERALD_DELIVERY_SELECT " FROM deliveries WHERE provider = ?4 AND id > ?1"
        " ORDER BY id LIMIT ?2");
    list_state_provider = Statement(db,
        "SELECT " HERALD_DELIVERY_SELECT " FROM deliveries WHERE provider = ?4 AND state = ?3"
        " AND id > ?1 ORDER BY id LIMIT ?2");
    counts = Statement(db, "SELECT state, count(*) FROM deliveries GROUP BY state");
  }
};

}  // namespace

struct DeliveryStore::Impl {
  StoreOptions options;
  std::string path;
  Writer writer;
  Reader reader;

  std::mutex mutex;  // guards queue and stopping
  std::condition_variable work_cv;  // writer waits for work
  std::vector<QueueItem> queue;
  size_t waiting_callers = 0;  // commits and tasks in `queue`: someone waits for them
  bool stopping = false;

  bool stopping_now() {
    std::lock_guard<std::mutex> lock(mutex);
    return stopping;
  }

  std::atomic<int64_t> pending{0}, done{0}, dead{0};
  std::atomic<uint64_t> transactions{0}, events_committed{0}, failed_transactions{0},
      dropped_updates{0};

  // Checkpoints run on their own connection and thread: a checkpoint fsyncs
  // the WAL and the database file, and the writer (so every intake request
  // waiting for a commit) must not wait for that. SQLite lets a PASSIVE
  // checkpoint run while the writer appends to the WAL.
  Connection checkpoint_db;
  std::mutex checkpoint_mutex;
  std::condition_variable checkpoint_cv;
  bool checkpoint_wanted = false;
  bool checkpoint_stopping = false;
  std::thread checkpointer;

  std::thread thread;  // last: started when everything above is ready

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
    }
    work_cv.notify_one();
    if (thread.joinable()) thread.join();
    {
      std::lock_guard<std::mutex> lock(checkpoint_mutex);
      checkpoint_stopping = true;
    }
    checkpoint_cv.notify_one();
    if (checkpointer.joinable()) checkpointer.join();
  }

  bool open(std::string& error);
  void load_counts();
  void enqueue(QueueItem item);
  std::string run_task(std::function<void(Writer&)> task);
  void run_writer();
  void run_checkpointer();
  static int on_wal_commit(void* self, sqlite3* db, const char* schema, int frames);
  bool run_batch(std::vector<QueueItem>& batch, std::string& error);
  void apply(CommitJob& job);
  void apply(const UpdateOp& op);
  std::vector<QueueItem> finish(std::vector<QueueItem>& batch, bool ok, const std::string& error);
};

namespace {

// Checks that the file is ours and brings its schema to kSchemaVersion.
void migrate(Connection& db, const std::string& path) {
  int64_t version = db.query_int("PRAGMA user_version");
  int64_t app = db.query_int("PRAGMA application_id");
  if (app != 0 && app != kApplicationId)
    throw std::runtime_error(path + " is not a herald delivery store (it belongs to another application)");
  if (version > kSchemaVersion)
    throw std::runtime_error(path + " has schema version " + std::to_string(version) +
                             ", newer than this herald understands (" + std::to_string(kSchemaVersion) + ")");
  if (version == 0 && db.query_int("SELECT count(*) FROM sqlite_schema") > 0)
    throw std::runtime_error(path + " is not a herald delivery store (it holds other tables)");
  for (int64_t v = version; v < kSchemaVersion; ++v) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(kMigrations[v]);
      db.exec(("PRAGMA user_version = " + std::to_string(v + 1)).c_str());
      db.exec("COMMIT");
    } catch (...) {
      if (!sqlite3_get_autocommit(db.get())) sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }
}

std::string pragma_text(Connection& db, const char* sql) {
  Statement stmt(db, sql);
  return stmt.step() ? stmt.column_text(0) : std::string();
}

}  // namespace

bool DeliveryStore::Impl::open(std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) {
    error = "cannot create state directory " + options.dir.string() + ": " + ec.message();
    return false;
  }
  path = (options.dir / "herald.db").string();
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) {
    error = path + " is not a regular file";
    return false;
  }
  std::string reason;
  writer.db = Connection::open(path, false, reason);
  if (!writer.db) {
    error = "cannot open " + path + ": " + reason;
    return false;
  }
  if (sqlite3_db_readonly(writer.db.get(), "main") == 1) {
    error = path + " is not writable";
    return false;
  }
  try {
    sqlite3_busy_timeout(writer.db.get(), kBusyTimeoutMs);
    if (pragma_text(writer.db, "PRAGMA journal_mode = WAL") != "wal") {
      error = path + ": cannot switch to WAL mode (is the directory on a local file system?)";
      return false;
    }
    // NORMAL in WAL mode: a commit reaches the OS before it returns, so a killed
    // process loses nothing; FULL adds an fsync per commit against power loss.
    writer.db.exec(options.full_fsync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
    // 16 MiB of cache keeps the hot index pages in memory; the WAL file shrinks
    // back to 64 MiB after a checkpoint instead of keeping its peak size.
    writer.db.exec("PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY;"
                   " PRAGMA journal_size_limit = 67108864");
    migrate(writer.db, path);
    if (options.max_db_bytes > 0) {
      int64_t page = writer.db.query_int("PRAGMA page_size");
      int64_t pages = std::max<int64_t>(1, static_cast<int64_t>(options.max_db_bytes) / page);
      writer.db.exec(("PRAGMA max_page_count = " + std::to_string(pages)).c_str());
    }
    writer.prepare();

    reader.db = Connection::open(path, true, reason);
    if (!reader.db) {
      error = "cannot open " + path + " for reading: " + reason;
      return false;
    }
    sqlite3_busy_timeout(reader.db.get(), kBusyTimeoutMs);
    reader.db.exec("PRAGMA cache_size = -4096");
    reader.prepare();
    load_counts();

    checkpoint_db = Connection::open(path, false, reason);
    if (!checkpoint_db) {
      error = "cannot open " + path + " for checkpoints: " + reason;
      return false;
    }
    checkpoint_db.exec(options.full_fsync ? "PRAGMA synchronous = FULL; PRAGMA journal_size_limit = 67108864"
                                          : "PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = 67108864");
    // Replaces SQLite's automatic checkpoint in the writer's commit.
    sqlite3_wal_hook(writer.db.get(), &Impl::on_wal_commit, this);
  } catch (const SqliteError& e) {
    if ((e.code() & 0xff) == SQLITE_NOTADB || (e.code() & 0xff) == SQLITE_CORRUPT)
      error = path + " is corrupt or not a herald delivery store: " + e.what();
    else
      error = path + ": " + e.what();
    return false;
  } catch (const std::runtime_error& e) {
    error = e.what();
    return false;
  }
  checkpointer = std::thread([this] { run_checkpointer(); });
  thread = std::thread([this] { run_writer(); });
  return true;
}

// Called by SQLite on the writer thread after each commit with the WAL's size.
int DeliveryStore::Impl::on_wal_commit(void* self, sqlite3* db, const char* schema, int frames) {
  auto* impl = static_cast<Impl*>(self);
  if (frames >= kWriterCheckpointFrames) {
    // The checkpoint thread fell far behind: pay for one here rather than let
    // the WAL grow without bound. BUSY (a checkpoint is running) is fine.
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    return SQLITE_OK;
  }
  if (frames >= kCheckpointFrames) {
    {
      std::lock_guard<std::mutex> lock(impl->checkpoint_mutex);
      impl->checkpoint_wanted = true;
    }
    impl->checkpoint_cv.notify_one();
  }
  return SQLITE_OK;
}

void DeliveryStore::Impl::run_checkpointer() {
  std::unique_lock<std::mutex> lock(checkpoint_mutex);
  for (;;) {
    checkpoint_cv.wait(lock, [&] { return checkpoint_stopping || checkpoint_wanted; });
    if (checkpoint_stopping) return;
    checkpoint_wanted = false;
    lock.unlock();
    // Errors (BUSY while another checkpoint runs, an I/O error) leave the WAL
    // as it is; the writer's commits do not depend on checkpoints.
    sqlite3_wal_checkpoint_v2(checkpoint_db.get(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
  }
}

// The one full count, at startup; from then on the writer keeps the numbers.
void DeliveryStore::Impl::load_counts() {
  StatementScope scope(reader.counts);
  while (reader.counts.step()) {
    int64_t state = reader.counts.column_int(0);
    int64_t n = reader.counts.column_int(1);
    if (state == kPending) pending = n;
    if (state == kDone) done = n;
    if (state == kDead) dead = n;
  }
}

// Queues an outcome update. The writer is woken only by the first update of
// a quiet spell (to start its kUpdateDelay) or a full batch.
void DeliveryStore::Impl::enqueue(QueueItem item) {
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mutex);
    queue.push_back(std::move(item));
    wake = queue.size() == 1 || queue.size() == kUpdateBatch;
  }
  if (wake) work_cv.notify_one();
}

// Runs `task` inside the writer's next transaction and waits for its commit.
// Returns the error, empty on success.
std::string DeliveryStore::Impl::run_task(std::function<void(Writer&)> task) {
  TaskJob job;
  job.run = std::move(task);
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (stopping) return "delivery store is closing";
    queue.push_back(&job);
    ++waiting_callers;
  }
  work_cv.notify_one();
  job.done.wait();
  return job.error;
}

// The writer thread: takes whatever has queued up since the last transaction
// (up to max_batch items) and commits it as one transaction. Batches form by
// themselves: the longer a commit takes, the more callers join the next one.
void DeliveryStore::Impl::run_writer() {
  std::vector<QueueItem> batch;
  batch.reserve(options.max_batch);
  std::unique_lock<std::mutex> lock(mutex);
  auto urgent = [&] { return stopping || waiting_callers > 0 || queue.size() >= kUpdateBatch; };
  for (;;) {
    work_cv.wait(lock, [&] { return stopping || !queue.empty(); });
    if (queue.empty()) return;  // stopping, and everything queued is done
    if (!urgent()) work_cv.wait_for(lock, kUpdateDelay, urgent);  // only updates: let more join
    const size_t max_batch = std::max<size_t>(1, options.max_batch);
    if (queue.size() <= max_batch) {
      batch.swap(queue);  // the common case: take everything, no copying
      waiting_callers = 0;
    } else {
      auto end = queue.begin() + static_cast<std::ptrdiff_t>(max_batch);
      batch.assign(std::make_move_iterator(queue.begin()), std::make_move_iterator(end));
      queue.erase(queue.begin(), end);
      waiting_callers = static_cast<size_t>(std::count_if(queue.begin(), queue.end(), [](const QueueItem& item) {
        return !std::holds_alternative<UpdateOp>(item);
      }));
    }
    lock.unlock();

    if (options.before_transaction) options.before_transaction();
    std::string error;
    bool ok = run_batch(batch, error);
    std::vector<QueueItem> retry = finish(batch, ok, error);
    batch.clear();

    lock.lock();
    if (ok) continue;
    queue.insert(queue.begin(), std::make_move_iterator(retry.begin()), std::make_move_iterator(retry.end()));
    // A failing disk fails the next batch too; pause so retried updates do not spin.
    if (!stopping) work_cv.wait_for(lock, kFailurePause, [&] { return stopping; });
  }
}

bool DeliveryStore::Impl::run_batch(std::vector<QueueItem>& batch, std::string& error) {
  ++transactions;
  writer.now_ms = unix_now_ms();
  writer.deltas = {};
  uint64_t events = 0;
  try {
    writer.begin.run();
    for (auto& item : batch) {
      std::visit(Overloaded{
                     [&](CommitJob* job) { apply(*job); ++events; },
                     [&](const UpdateOp& op) { apply(op); },
                     [&](TaskJob* job) { job->run(writer); },
                 },
                 item);
    }
    writer.commit.run();
  } catch (const std::exception& e) {
    error = std::string("delivery store: ") + e.what();
    if (!sqlite3_get_autocommit(writer.db.get())) {
      try {
        writer.rollback.run();
      } catch (const SqliteError&) {
        // The connection rolls back by itself when it cannot; nothing else to do.
      }
    }
    ++failed_transactions;
    return false;
  }
  pending += writer.deltas.pending;
  done += writer.deltas.done;
  dead += writer.deltas.dead;
  events_committed += events;
  return true;
}

void DeliveryStore::Impl::apply(CommitJob& job) {
  Statement& event = writer.insert_event;
  {
    StatementScope scope(event);
    event.bind(1, writer.now_ms).bind(2, job.event_json).step();
  }
  int64_t event_id = sqlite3_last_insert_rowid(writer.db.get());
  Statement& insert = writer.insert_delivery;
  for (const NewDelivery& d : job.deliveries) {
    StatementScope scope(insert);
    // The notification of an Alert that adds nothing is the event itself: one copy.
    std::string_view json = d.event_json == job.event_json ? std::string_view() : std::string_view(d.event_json);
    insert.bind(1, event_id).bind(2, d.provider).bind(3, d.alert).bind(4, json).bind(5, writer.now_ms);
    insert.step();
    job.ids.push_back(sqlite3_last_insert_rowid(writer.db.get()));
  }
  writer.deltas.pending += static_cast<int64_t>(job.deliveries.size());
}

void DeliveryStore::Impl::apply(const UpdateOp& op) {
  switch (op.kind) {
    case UpdateOp::Kind::Done:
      writer.mark_done.bind(1, op.id).bind(2, op.attempts).bind(3, writer.now_ms).run();
      if (writer.changes() > 0) --writer.deltas.pending, ++writer.deltas.done;
      return;
    case UpdateOp::Kind::Retry:
      writer.mark_retry.bind(1, op.id).bind(2, op.attempts).bind(3, op.next_attempt_ms)
          .bind(4, op.last_error).bind(5, writer.now_ms).run();
      return;
    case UpdateOp::Kind::Dead:
      writer.mark_dead.bind(1, op.id).bind(2, op.attempts).bind(3, op.last_error)
          .bind(4, writer.now_ms).run();
      if (writer.changes() > 0) --writer.deltas.pending, ++writer.deltas.dead;
      return;
  }
}

// Wakes the callers of a finished batch. After a failure every caller gets the
// error, and the outcome updates are returned to go back to the head of the queue.
std::vector<QueueItem> DeliveryStore::Impl::finish(std::vector<QueueItem>& batch, bool ok,
                                                   const std::string& error) {
  std::vector<QueueItem> retry;
  for (auto& item : batch) {
    if (auto* job = std::get_if<CommitJob*>(&item)) {
      if (!ok) {
        (*job)->ids.clear();
        (*job)->error = error;
      } else if ((*job)->on_commit) {
        (*job)->on_commit((*job)->ids);
      }
      (*job)->done.signal();
    } else if (auto* task = std::get_if<TaskJob*>(&item)) {
      if (!ok) (*task)->error = error;
      (*task)->done.signal();
    } else if (!ok) {
      auto& op = std::get<UpdateOp>(item);
      if (++op.failures < kUpdateAttempts && !stopping_now())
        retry.push_back(std::move(op));
      else
        ++dropped_updates;  // the row stays Pending and is sent again after a restart
    }
  }
  return retry;
}

DeliveryStore::DeliveryStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DeliveryStore::~DeliveryStore() = default;

std::unique_ptr<DeliveryStore> DeliveryStore::open(const StoreOptions& options, std::string& error) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (!impl->open(error)) return nullptr;
  return std::unique_ptr<DeliveryStore>(new DeliveryStore(std::move(impl)));
}

std::optional<std::vector<int64_t>> DeliveryStore::commit_event(std::string event_json,
                                                                std::vector<NewDelivery> deliveries,
                                                                std::string& error,
                                                                std::function<void(const std::vector<int64_t>&)> on_commit) {
  CommitJob job;
  job.event_json = std::move(event_json);
  job.deliveries = std::move(deliveries);
  job.on_commit = std::move(on_commit);
  job.ids.reserve(job.deliveries.size());
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (impl_->stopping) {
      error = "delivery store is closing";
      return std::nullopt;
    }
    impl_->queue.push_back(&job);
    ++impl_->waiting_callers;
  }
  impl_->work_cv.notify_one();
  job.done.wait();
  if (!job.error.empty()) {
    error = std::move(job.error);
    return std::nullopt;
  }
  return std::move(job.ids);
}

void DeliveryStore::mark_done(int64_t id, int attempts) {
  impl_->enqueue(UpdateOp{UpdateOp::Kind::Done, id, attempts, 0, {}});
}

void DeliveryStore::mark_retry(int64_t id, int attempts, int64_t next_attempt_ms, std::string last_error) {
  impl_->enqueue(UpdateOp{UpdateOp::Kind::Retry, id, attempts, next_attempt_ms, std::move(last_error)});
}

void DeliveryStore::mark_dead(int64_t id, int attempts, std::string last_error) {
  impl_->enqueue(UpdateOp{UpdateOp::Kind::Dead, id, attempts, 0, std::move(last_error)});
}

void DeliveryStore::flush() {
  impl_->run_task([](Writer&) {});
}

std::vector<StoredDelivery> DeliveryStore::load_unfinished() {
  std::lock_guard<std::mutex> lock(impl_->reader.mutex);
  return read_rows(impl_->reader.unfinished);
}

std::vector<StoredDelivery> DeliveryStore::list(std::optional<State> state,
                                                std::optional<std::string> provider,
                                                size_t limit,
                                                int64_t after_id) {
  Reader& r = impl_->reader;
  std::lock_guard<std::mutex> lock(r.mutex);
  Statement& stmt = state && provider ? r.list_state_provider
                    : state           ? r.list_state
                    : provider        ? r.list_provider
                                      : r.list_all;
  stmt.bind(1, after_id).bind(2, sql_limit(limit));
  if (state) stmt.bind(3, static_cast<int64_t>(*state));
  if (provider) stmt.bind(4, *provider);
  return read_rows(stmt);
}

std::optional<StoredDelivery> DeliveryStore::get(int64_t id) {
  Reader& r = impl_->reader;
  std::lock_guard<std::mutex> lock(r.mutex);
  StatementScope scope(r.get);
  if (!r.get.bind(1, id).step()) return std::nullopt;
  return read_row(r.get);
}

std::optional<std::string> DeliveryStore::event_json(int64_t event_id) {
  Reader& r = impl_->reader;
  std::lock_guard<std::mutex> lock(r.mutex);
  StatementScope scope(r.event);
  if (!r.event.bind(1, event_id).step()) return std::nullopt;
  return r.event.column_text(0);
}

std::vector<StoredDelivery> DeliveryStore::replay(int64_t id) {
  std::vector<StoredDelivery> rows;
  std::string error = impl_->run_task([&](Writer& w) {
    rows = read_rows(w.replay_one.bind(1, w.now_ms).bind(2, id));
    w.fill_event_json(rows);
    w.deltas.dead -= static_cast<int64_t>(rows.size());
    w.deltas.pending += static_cast<int64_t>(rows.size());
  });
  if (!error.empty()) rows.clear();
  return rows;
}

std::vector<StoredDelivery> DeliveryStore::replay_provider(std::string_view provider) {
  std::vector<StoredDelivery> rows;
  std::string error = impl_->run_task([&](Writer& w) {
    rows = read_rows(w.replay_provider.bind(1, w.now_ms).bind(2, provider));
    w.fill_event_json(rows);
    w.deltas.dead -= static_cast<int64_t>(rows.size());
    w.deltas.pending += static_cast<int64_t>(rows.size());
  });
  if (!error.empty()) {
    rows.clear();
    return rows;
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return rows;
}

DeliveryStore::Counts DeliveryStore::counts() const {
  return Counts{impl_->pending.load(), impl_->done.load(), impl_->dead.load()};
}

size_t DeliveryStore::prune(int64_t now_ms) {
  const int64_t cutoff = now_ms - static_cast<int64_t>(impl_->options.retention.count());
  size_t total = 0;
  for (;;) {
    int64_t deliveries = 0, events = 0;
    std::string error = impl_->run_task([&](Writer& w) {
      w.prune_deliveries.bind(1, cutoff).bind(2, kPruneChunk).run();
      deliveries = w.changes();
      w.deltas.done -= deliveries;
      w.prune_events.bind(1, cutoff).bind(2, kPruneChunk).run();
      events = w.changes();
    });
    if (!error.empty()) return total;
    total += static_cast<size_t>(deliveries);
    if (deliveries < kPruneChunk && events < kPruneChunk) return total;
  }
}

StoreStats DeliveryStore::stats() const {
  StoreStats s;
  s.transactions = impl_->transactions.load();
  s.events_committed = impl_->events_committed.load();
  s.failed_transactions = impl_->failed_transactions.load();
  s.dropped_updates = impl_->dropped_updates.load();
  std::lock_guard<std::mutex> lock(impl_->mutex);
  s.queued = impl_->queue.size();
  return s;
}

std::string_view to_string(State state) {
  switch (state) {
    case State::Pending: return "pending";
    case State::Done: return "done";
    case State::Dead: return "dead";
  }
  return "unknown";
}

std::optional<State> parse_state(std::string_view name) {
  if (name == "pending") return State::Pending;
  if (name == "done") return State::Done;
  if (name == "dead") return State::Dead;
  return std::nullopt;
}

int64_t unix_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace herald::delivery
