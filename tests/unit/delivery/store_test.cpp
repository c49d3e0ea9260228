#include "herald/delivery/store.hpp"

#include <sqlite3.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "temp_dir.hpp"

using namespace herald::delivery;
using herald::delivery::test::TempDir;

namespace {

std::unique_ptr<DeliveryStore> open_store(const StoreOptions& options) {
  std::string error;
  auto store = DeliveryStore::open(options, error);
  INFO(error);
  REQUIRE(store);
  REQUIRE(error.empty());
  return store;
}

std::unique_ptr<DeliveryStore> open_store(const std::filesystem::path& dir) {
  StoreOptions options;
  options.dir = dir;
  return open_store(options);
}

std::vector<NewDelivery> deliveries_for(std::initializer_list<const char*> providers) {
  std::vector<NewDelivery> out;
  for (const char* p : providers) out.push_back({p, "flux-system/alert", std::string("{\"to\":\"") + p + "\"}"});
  return out;
}

std::vector<int64_t> commit(DeliveryStore& store, std::vector<NewDelivery> deliveries,
                            std::string event = R"({"reason":"ok"})") {
  std::string error;
  auto ids = store.commit_event(std::move(event), std::move(deliveries), error);
  INFO(error);
  REQUIRE(ids);
  return *ids;
}

std::vector<int64_t> ids_of(const std::vector<StoredDelivery>& rows) {
  std::vector<int64_t> ids;
  for (const auto& r : rows) ids.push_back(r.id);
  return ids;
}

// Reads a PRAGMA straight from the file, bypassing the store.
std::string raw_pragma(const std::filesystem::path& db_path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK);
  std::string value;
  if (sqlite3_step(stmt) == SQLITE_ROW) value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

// Holds the writer thread before its next transaction until released, so a
// test can queue work deterministically behind it.
class WriterGate {
 public:
  void hold() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
  }
  void release() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = false;
    }
    cv_.notify_all();
  }
  // Installed as StoreOptions::before_transaction.
  void pass() {
    std::unique_lock<std::mutex> lock(mutex_);
    waiting_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !closed_; });
    waiting_ = false;
  }
  void wait_until_writer_waits() {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return waiting_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool closed_ = false;
  bool waiting_ = false;
};

void wait_until_queued(DeliveryStore& store, size_t n) {
  while (store.stats().queued < n) std::this_thread::yield();
}

}  // namespace

TEST_CASE("A committed event and its deliveries read back as Pending and due", "[store]") {
  TempDir dir;
  auto store = open_store(dir.path());
  int64_t before = unix_now_ms();
  auto ids = commit(*store, deliveries_for({"ns/slack", "ns/teams"}), R"({"involvedObject":{}})");
  REQUIRE(ids.size() == 2);
  CHECK(ids[0] < ids[1]);

  auto first = store->get(ids[0]);
  REQUIRE(first);
  CHECK(first->provider == "ns/slack");
  CHECK(first->alert == "flux-system/alert");
  CHECK(first->event_json == R"({"to":"ns/slack"})");
  CHECK(first->state == State::Pending);
  CHECK(first->attempts == 0);
  CHECK(first->created_ms >= before);
  CHECK(first->next_attempt_ms == first->created_ms);
  CHECK(store->get(ids[1])->provider == "ns/teams");
  CHECK(store->event_json(first->event_id) == std::optional<std::string>(R"({"involvedObject":{}})"));
  CHECK_FALSE(store->get(ids[1] + 100));

  auto counts = store->counts();
  CHECK(counts.pending == 2);
  CHECK(counts.done == 0);
  CHECK(counts.dead == 0);
}

TEST_CASE("A delivery whose notification is the event itself keeps one copy and reads it back", "[store]") {
  TempDir dir;
  auto store = open_store(dir.path());
  const std::string event = R"({"involvedObject":{"kind":"Kustomization"},"message":"same"})";
  std::string error;
  auto ids = store->commit_event(event, {{"ns/a", "ns/alert", event}, {"ns/b", "ns/alert", R"({"other":1})"}}, error);
  REQUIRE(ids);
  // On disk: '' for the shared one, its own JSON for the other.
  CHECK(raw_pragma(dir.path() / "herald.db",
                   ("SELECT length(event_json) FROM deliveries WHERE id = " + std::to_string((*ids)[0])).c_str()) == "0");
  // Every read gives the JSON back: get, list, resume, and a replay.
  CHECK(store->get((*ids)[0])->event_json == event);
  CHECK(store->get((*ids)[1])->event_json == R"({"other":1})");
  for (const auto& row : store->list(std::nullopt, std::string("ns/a"), 10)) CHECK(row.event_json == event);
  for (const auto& row : store->load_unfinished())
    CHECK(row.event_json == (row.provider == "ns/a" ? event : std::string(R"({"other":1})")));
  store->mark_dead((*ids)[0], 1, "gone");
  store->flush();
  auto replayed = store->replay((*ids)[0]);
  REQUIRE(replayed.size() == 1);
  CHECK(replayed[0].event_json == event);
  store->mark_dead((*ids)[0], 1, "gone");
  store->flush();
  auto by_provider = store->replay_provider("ns/a");
  REQUIRE(by_provider.size() == 1);
  CHECK(by_provider[0].event_json == event);
}

TEST_CASE("A schema version 1 store is upgraded in place and its rows stay readable", "[store]") {
  TempDir dir;
  const auto db_path = dir.path() / "herald.db";
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
    const char* v1 = R"sql(
PRAGMA journal_mode = WAL;
PRAGMA application_id = 1213353028;
CREATE TABLE events(id INTEGER PRIMARY KEY, received_ms INTEGER NOT NULL, json TEXT NOT NULL);
CREATE TABLE deliveries(id INTEGER PRIMARY KEY, event_id INTEGER NOT NULL, provider TEXT NOT NULL,
  alert TEXT NOT NULL, event_json TEXT NOT NULL, state INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0, next_attempt_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL, last_error TEXT NOT NULL DEFAULT '');
CREATE INDEX deliveries_state ON deliveries(state, id);
CREATE INDEX deliveries_provider ON deliveries(provider, state, id);
CREATE INDEX deliveries_event ON deliveries(event_id);
INSERT INTO events VALUES(1, 1000, '{"e":1}');
INSERT INTO deliveries(id, event_id, provider, alert, event_json, next_attempt_ms, created_ms, updated_ms)
  VALUES(1, 1, 'ns/a', 'ns/alert', '{"e":1}', 1000, 1000, 1000);
PRAGMA user_version = 1;
)sql";
    REQUIRE(sqlite3_exec(db, v1, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = open_store(dir.path());
  CHECK(raw_pragma(db_path, "PRAGMA user_version") == "2");
  CHECK_THAT(raw_pragma(db_path, "SELECT sql FROM sqlite_schema WHERE name = 'deliveries_provider'"),
             Catch::Contains("(provider, id)"));
  auto old = store->load_unfinished();
  REQUIRE(old.size() == 1);
  CHECK(old[0].event_json == R"({"e":1})");
  auto ids = commit(*store, deliveries_for({"ns/a"}));
  CHECK(store->list(State::Pending, std::string("ns/a"), 10).size() == 2);
}

TEST_CASE("An event without deliveries is stored and returns no ids", "[store]") {
  TempDir dir;
  auto store = open_store(dir.path());
  CHECK(commit(*store, {}).empty());
  CHECK(store->stats().events_committed == 1);
}

TEST_CASE("Opening creates the directory and a WAL database with a schema version", "[store]") {
  TempDir dir;
  auto nested = dir.path() / "a" / "state";
  {
    auto store = open_store(nested);
    commit(*store, deliveries_for({"ns/p"}));
  }
  auto db = nested / "herald.db";
  REQUIRE(std::filesystem::exists(db));
  CHECK(raw_pragma(db, "PRAGMA journal_mode") == "wal");
  CHECK(raw_pragma(db, "PRAGMA user_version") == "2");
  auto store = open_store(nested);
  CHECK(store->counts().pending == 1);
  CHECK(store->load_unfinished().size() == 1);
}

TEST_CASE("Opening reports a state directory that cannot be created", "[store]") {
  TempDir dir;
  std::ofstream(dir.path() / "file") << "x";
  StoreOptions options;
  options.dir = dir.path() / "file" / "state";
  std::string error;
  CHECK_FALSE(DeliveryStore::open(options, error));
  CHECK_THAT(error, Catch::Contains("cannot create state directory") && Catch::Contains("file/state"));
}

TEST_CASE("Opening reports a database file that is corrupt", "[store]") {
  TempDir dir;
  std::ofstream(dir.path() / "herald.db") << std::string(8192, 'g');
  StoreOptions options;
  options.dir = dir.path();
  std::string error;
  CHECK_FALSE(DeliveryStore::open(options, error));
  CHECK_THAT(error, Catch::Contains("herald.db") && Catch::Contains("corrupt"));
}

TEST_CASE("Opening refuses a SQLite file of another application", "[store]") {
  TempDir dir;
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir.path() / "herald.db").c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  StoreOptions options;
  options.dir = dir.path();
  std::string error;
  CHECK_FALSE(DeliveryStore::open(options, error));
  CHECK_THAT(error, Catch::Contains("not a herald delivery store"));
}

TEST_CASE("Opening refuses a store written by a newer schema version", "[store]") {
  TempDir dir;
  { open_store(dir.path()); }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir.path() / "herald.db").c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  StoreOptions options;
  options.dir = dir.path();
  std::string error;
  CHECK_FALSE(DeliveryStore::open(options, error));
  CHECK_THAT(error, Catch::Contains("schema version 99"));
}

TEST_CASE("Outcome updates are committed by flush and survive a reopen", "[store]") {
  TempDir dir;
  std::vector<int64_t> ids;
  {
    auto store = open_store(dir.path());
    ids = commit(*store, deliveries_for({"ns/a", "ns/b", "ns/c", "ns/d"}));
    store->mark_done(ids[0], 1);
    store->mark_retry(ids[1], 2, 123456, "HTTP 503 from hooks.example");
    store->mark_dead(ids[2], 5, "HTTP 404");
    store->flush();
    auto counts = store->counts();
    CHECK(counts.pending == 2);
    CHECK(counts.done == 1);
    CHECK(counts.dead == 1);
    CHECK(store->get(ids[0])->state == State::Done);  // visible to readers right after flush
  }
  auto store = open_store(dir.path());
  auto done = store->get(ids[0]);
  CHECK(done->state == State::Done);
  CHECK(done->attempts == 1);
  CHECK(done->updated_ms >= done->created_ms);
  auto retry = store->get(ids[1]);
  CHECK(retry->state == State::Pending);
  CHECK(retry->attempts == 2);
  CHECK(retry->next_attempt_ms == 123456);
  CHECK(retry->last_error == "HTTP 503 from hooks.example");
  auto dead = store->get(ids[2]);
  CHECK(dead->state == State::Dead);
  CHECK(dead->attempts == 5);
  CHECK(dead->last_error == "HTTP 404");
  CHECK(ids_of(store->load_unfinished()) == std::vector<int64_t>{ids[1], ids[3]});
  auto counts = store->counts();  // recounted from the file at open
  CHECK(counts.pending == 2);
  CHECK(counts.done == 1);
  CHECK(counts.dead == 1);
}

TEST_CASE("Destroying the store commits the updates still queued", "[store]") {
  TempDir dir;
  std::vector<int64_t> ids;
  {
    auto store = open_store(dir.path());
    ids = commit(*store, deliveries_for({"ns/a", "ns/b"}));
    store->mark_done(ids[0], 1);
    store->mark_dead(ids[1], 3, "gone");
  }
  auto store = open_store(dir.path());
  CHECK(store->get(ids[0])->state == State::Done);
  CHECK(store->get(ids[1])->state == State::Dead);
}

TEST_CASE("Outcome updates apply only to Pending deliveries", "[store]") {
  TempDir dir;
  auto store = open_store(dir.path());
  auto ids = commit(*store, deliveries_for({"ns/a", "ns/b"}));
  store->mark_dead(ids[0], 3, "HTTP 400");
  store->mark_done(ids[1], 1);
  store->flush();
  store->mark_done(ids[0], 9);                 // stale: already dead
  store->mark_retry(ids[1], 9, 1, "late");     // stale: already done
  store->mark_dead(ids[1], 9, "late");
  store->mark_done(ids[1] + 1000, 1);          // unknown id
  store->flush();
  CHECK(store->get(ids[0])->state == State::Dead);
  CHECK(store->get(ids[0])->attempts == 3);
  CHECK(store->get(ids[1])->state == State::Done);
  CHECK(store->get(ids[1])->last_error.empty());
  auto counts = store->counts();
  CHECK(counts.pending == 0);
  CHECK(counts.done == 1);
  CHECK(counts.dead == 1);
}

TEST_CASE("Replay moves dead deliveries back to Pending, one id or all of a provider", "[store]") {
  TempDir dir;
  auto store = open_store(dir.path());
  auto ids = commit(*store, deliveries_for({"ns/a", "ns/b", "ns/a", "ns/a"}));
  store->mark_dead(ids[0], 4, "HTTP 500");
  store->mark_dead(ids[1], 4, "HTTP 500");
  store->mark_dead(ids[2], 4, "HTTP 500");
  store->mark_done(ids[3], 1);
  store->flush();

  int64_t before = unix_now_ms();
  auto one = store->replay(ids[1]);
  REQUIRE(one.size() == 1);
  CHECK(one[0].id == ids[1]);
  CHECK(one[0].state == State::Pending);
  CHECK(one[0].attempts == 0);
  CHECK(one[0].next_attempt_ms >= before);
  CHECK(store->get(ids[1])->state == State::Pending);
  CHECK(store->replay(ids[1]).empty());  // no longer dead
  CHECK(store->replay(ids[3]).empty());  // done is not replayed
  CHECK(store->replay(ids[3] + 100).empty());

  auto all = store->replay_provider("ns/a");
  CHECK(ids_of(all) == std::vector<int64_t>{ids[0], ids[2]});
  CHECK(store->replay_provider("ns/a").empty());
  CHECK(store->get(ids[3])->state == State::Done);
  CHECK(ids_of(store->load_unfinished()) == std::vector<int64_t>{ids[0], ids[1], ids[2]});
  auto counts = store->counts();
  CHECK(counts.pending == 3);
  CHECK(counts.done == 1);
  CHECK(counts.dead == 0);
}

TEST_CASE("Prune deletes Done deliveries past the retention and events left without deliveries", "[store]") {
  TempDir dir;
  StoreOptions options;
  options.dir = dir.path();
  options.retention = std::chrono::hours(1);
  auto store = open_store(options);
  commit(*store, {});                                                  // no deliveries: goes
  auto finished = commit(*store, deliveries_for({"ns/a", "ns/b"}));   // all done: event goes
  auto mixed = commit(*store, deliveries_for({"ns/a", "ns/b", "ns/c"}));  // one of each: event stays
  store->mark_done(finished[0], 1);
  store->mark_done(finished[1], 1);
  store->mark_done(mixed[0], 1);
  store->mark_dead(mixed[1], 5, "HTTP 404");
  store->flush();
  int64_t event_finished = store->get(finished[0])->event_id;
  int64_t event_mixed = store->get(mixed[0])->event_id;

  const int64_t now = unix_now_ms();
  CHECK(store->prune(now) == 0);  // younger than an hour
  CHECK(store->get(finished[0]));
  CHECK(store->event_json(event_finished));

  CHECK(store->prune(now + 2 * 3600 * 1000) == 3);
  CHECK_FALSE(store->get(finished[0]));
  CHECK_FALSE(store->get(finished[1]));
  CHECK_FALSE(store->get(mixed[0]));
  CHECK(store->get(mixed[1])->state == State::Dead);
  CHECK(store->get(mixed[2])->state == State::Pending);
  CHECK_FALSE(store->event_json(event_finished));
  CHECK_FALSE(store->event_json(event_finished - 1));
  CHECK(store->event_json(event_mixed));
  auto counts = store->counts();
  CHECK(counts.pending == 1);
  CHECK(counts.done == 0);
  CHECK(counts.dead == 1);

}

TEST_CASE("Prune keeps the newest delivery and event so ids are never reused", "[store]") {
  TempDir dir;
  StoreOptions options;
  options.dir = dir.path();
  options.retention = std::chrono::milliseconds(0);
  auto store = open_store(options);
  auto first = commit(*store, deliveries_for({"ns/a"}));
  auto last = commit(*store, deliveries_for({"ns/a"}));
  store->mark_done(first[0], 1);
  store->mark_done(last[0], 1);
  store->flush();
  int64_t last_event = store->get(last[0])->event_id;
  CHECK(store->prune(unix_now_ms() + 1000) == 1);
  CHECK_FALSE(store->get(first[0]));
  CHECK(store->get(last[0]));
  CHECK(store->event_json(last_event));
  auto later = commit(*store, deliveries_for({"ns/a"}));
  CHECK(later[0] > last[0]);
  CHECK(store->get(later[0])->event_id > last_event);
}

TEST_CASE("Prune works through more rows than one chunk", "[store]") {
  TempDir dir;
  StoreOptions options;
  options.dir = dir.path();
  options.retention = std::chrono::milliseconds(0);
  auto store = open_store(options);
  std::vector<NewDelivery> many;
  for (int i = 0; i < 12000; ++i) many.push_back({"ns/bulk", "ns/alert", "{}"});
  auto ids = commit(*store, std::move(many));
  for (int64_t id : ids) store->mark_done(id, 1);
  store->flush();
  CHECK(store->counts().done == 12000);
  CHECK(store->prune(unix_now_ms() + 1000) == 11999);  // all but the newest
  CHECK(store->counts().done == 1);
  CHECK(ids_of(store->list(std::nullopt, std::nullopt, 10)) == std::vector<int64_t>{ids.back()});
}

TEST_CASE("List filters by state and provider and pages by id", "[store]") {
  TempDir dir;
  auto store = open_store(dir.path());
  auto ids = commit(*store, deliveries_for({"ns/a", "ns/b", "ns/a", "ns/a", "ns/b"}));
  store->mark_dead(ids[0], 3, "x");
  store->mark_dead(ids[1], 3, "x");
  store->mark_dead(ids[3], 3, "x");
  store->mark_done(ids[4], 1);
  store->flush();

  CHECK(ids_of(store->list(std::nullopt, std::nullopt, 100)) == ids);
  CHECK(ids_of(store->list(State::Dead, std::nullopt, 100)) == std::vector<int64_t>{ids[0], ids[1], ids[3]});
  CHECK(ids_of(store->list(std::nullopt, "ns/a", 100)) == std::vector<int64_t>{ids[0], ids[2], ids[3]});
  CHECK(ids_of(store->list(State::Dead, "ns/a", 100)) == std::vector<int64_t>{ids[0], ids[3]});
  CHECK(ids_of(store->list(State::Done, "ns/a", 100)).empty());
  CHECK(ids_of(store->list(State::Pending, std::nullopt, 100)) == std::vector<int64_t>{ids[2]});
  CHECK(store->list(std::nullopt, "ns/none", 100).empty());

  auto page1 = store->list(std::nullopt, std::nullopt, 2);
  CHECK(ids_of(page1) == std::vector<int64_t>{ids[0], ids[1]});
  auto page2 = store->list(std::nullopt, std::nullopt, 2, page1.back().id);
  CHECK(ids_of(page2) == std::vector<int64_t>{ids[2], ids[3]});
  auto page3 = store->list(std::nullopt, std::nullopt, 2, page2.back().id);
  CHECK(ids_of(page3) == std::vector<int64_t>{ids[4]});
  CHECK(store->list(std::nullopt, std::nullopt, 2, page3.back().id).empty());
  CHECK(ids_of(store->list(State::Dead, "ns/a", 1, ids[0])) == std::vector<int64_t>{ids[3]});
  CHECK(store->list(std::nullopt, std::nullopt, 0).empty());
}

TEST_CASE("State names round-trip for the admin API", "[store]") {
  for (State s : {State::Pending, State::Done, State::Dead}) CHECK(parse_state(to_string(s)) == s);
  CHECK_FALSE(parse_state("inflight"));
}

TEST_CASE("Concurrent commits are grouped into fewer transactions than events", "[store][group-commit]") {
  TempDir dir;
  WriterGate gate;
  StoreOptions options;
  options.dir = dir.path();
  options.before_transaction = [&] { gate.pass(); };
  auto store = open_store(options);

  constexpr int kThreads = 16;
  gate.hold();
  std::vector<std::thread> threads;
  std::vector<std::vector<int64_t>> results(kThreads);
  std::atomic<int> failures{0};
  auto committer = [&](int i) {
    std::string error;
    auto ids = store->commit_event("{}", deliveries_for({"ns/a", "ns/b"}), error);
    if (!ids) ++failures;
    else results[i] = *ids;
  };
  threads.emplace_back(committer, 0);
  gate.wait_until_writer_waits();  // the first commit is in the writer's hands
  for (int i = 1; i < kThreads; ++i) threads.emplace_back(committer, i);
  wait_until_queued(*store, kThreads - 1);  // the rest queue up behind it
  gate.release();
  for (auto& t : threads) t.join();

  CHECK(failures == 0);
  CHECK(store->stats().events_committed == kThreads);
  CHECK(store->stats().transactions == 2);  // the first alone, then all the others together
  std::set<int64_t> distinct;
  for (const auto& ids : results) {
    REQUIRE(ids.size() == 2);
    CHECK(ids[0] + 1 == ids[1]);  // an event's deliveries stay together
    distinct.insert(ids.begin(), ids.end());
  }
  CHECK(distinct.size() == 2 * kThreads);
  CHECK(store->counts().pending == 2 * kThreads);
}

TEST_CASE("Many threads committing at once all get durable, distinct ids", "[store][group-commit]") {
  TempDir dir;
  auto store = open_store(dir.path());
  constexpr int kThreads = 8, kPerThread = 200;
  std::vector<std::thread> threads;
  std::mutex mutex;
  std::set<int64_t> all;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string error;
        auto ids = store->commit_event("{}", deliveries_for({"ns/a"}), error);
        if (!ids) {
          ++failures;
          continue;
        }
        store->mark_done(ids->front(), 1);
        std::lock_guard<std::mutex> lock(mutex);
        all.insert(ids->front());
      }
    });
  }
  for (auto& t : threads) t.join();
  store->flush();
  CHECK(failures == 0);
  CHECK(all.size() == kThreads * kPerThread);
  CHECK(store->counts().done == kThreads * kPerThread);
  CHECK(store->stats().transactions <= store->stats().events_committed * 2);
}

TEST_CASE("A full database fails every commit of its batch and recovers after prune", "[store][errors]") {
  TempDir dir;
  WriterGate gate;
  StoreOptions options;
  options.dir = dir.path();
  options.retention = std::chrono::milliseconds(0);
  options.max_db_bytes = 256 * 1024;
  options.before_transaction = [&] { gate.pass(); };
  auto store = open_store(options);

  const std::string big(16 * 1024, 'x');
  std::vector<int64_t> committed;
  std::string error;
  for (int i = 0; i < 100 && error.empty(); ++i) {
    auto ids = store->commit_event("{\"pad\":\"" + big + "\"}", {{"ns/a", "ns/alert", big}}, error);
    if (ids) committed.push_back(ids->front());
  }
  REQUIRE_FALSE(error.empty());
  CHECK_THAT(error, Catch::Contains("full"));
  REQUIRE_FALSE(committed.empty());
  CHECK(store->stats().failed_transactions == 1);

  // Three callers in one batch: all of them hear about the failure.
  gate.hold();
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  auto committer = [&] {
    std::string e;
    if (!store->commit_event(big, {{"ns/a", "ns/alert", big}}, e) && !e.empty()) ++failed;
  };
  threads.emplace_back(committer);
  gate.wait_until_writer_waits();
  threads.emplace_back(committer);
  threads.emplace_back(committer);
  wait_until_queued(*store, 2);
  gate.release();
  for (auto& t : threads) t.join();
  CHECK(failed == 3);

  // What was committed before is intact; freeing space lets commits through again.
  for (int64_t id : committed) CHECK(store->get(id)->state == State::Pending);
  CHECK(store->counts().pending == static_cast<int64_t>(committed.size()));
  for (int64_t id : committed) store->mark_done(id, 1);
  store->flush();
  CHECK(store->prune(unix_now_ms() + 1000) == committed.size() - 1);  // all but the newest
  error.clear();
  CHECK(store->commit_event(big, {{"ns/a", "ns/alert", big}}, error));
  CHECK(error.empty());
}

TEST_CASE("on_commit runs with the ids before commit_event returns, and not for a failed commit") {
  TempDir dir;
  StoreOptions options;
  options.dir = dir.path();
  options.max_db_bytes = 128 * 1024;
  auto store = open_store(options);

  std::vector<int64_t> seen;
  std::thread::id ran_on;
  std::string error;
  auto ids = store->commit_event(R"({"reason":"ok"})", deliveries_for({"ns/a", "ns/b"}), error,
                                 [&](const std::vector<int64_t>& committed) {
                                   seen = committed;
                                   ran_on = std::this_thread::get_id();
                                 });
  REQUIRE(ids);
  CHECK(seen == *ids);
  CHECK(ran_on != std::this_thread::get_id());  // the writer's thread
  CHECK(store->get(seen.front())->state == State::Pending);

  // A commit that fails (the file is full) never calls it.
  const std::string big(64 * 1024, 'x');
  bool called_after_failure = false;
  for (int i = 0; i < 10 && error.empty(); ++i) {
    called_after_failure = false;
    store->commit_event(big, {{"ns/a", "ns/alert", big}}, error,
                        [&](const std::vector<int64_t>&) { called_after_failure = true; });
  }
  REQUIRE_FALSE(error.empty());
  CHECK_FALSE(called_after_failure);
}
