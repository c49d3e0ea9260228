// kill -9 at an arbitrary moment loses nothing that commit_event confirmed.
#include "herald/delivery/store.hpp"

#include <catch2/catch.hpp>

#include <limits.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "temp_dir.hpp"

using namespace herald::delivery;
using herald::delivery::test::TempDir;

namespace {

// One confirmed event as the child reports it: its two delivery ids.
struct Record {
  int64_t first;
  int64_t second;
};
static_assert(sizeof(Record) <= PIPE_BUF, "records must reach the pipe whole");

// The child: commits from several threads until it is killed, reporting every
// confirmed commit on the pipe. Never returns.
[[noreturn]] void run_child(const std::filesystem::path& dir, int out_fd) {
  StoreOptions options;
  options.dir = dir;
  std::string error;
  auto store = DeliveryStore::open(options, error);
  if (!store) _exit(2);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&store, out_fd, t] {
      for (int i = 0;; ++i) {
        std::string err;
        std::string event = "{\"thread\":" + std::to_string(t) + ",\"n\":" + std::to_string(i) + "}";
        std::vector<NewDelivery> deliveries{{"ns/slack", "ns/alert", event}, {"ns/github", "ns/alert", event}};
        auto ids = store->commit_event(std::move(event), std::move(deliveries), err);
        if (!ids) _exit(3);
        // Outcome updates in flight at the kill must not disturb committed rows.
        if (i % 3 == 0) store->mark_retry((*ids)[1], 1, 0, "HTTP 503");
        Record r{(*ids)[0], (*ids)[1]};
        if (write(out_fd, &r, sizeof r) != static_cast<ssize_t>(sizeof r)) _exit(4);
      }
    });
  }
  for (auto& t : threads) t.join();
  _exit(0);
}

// Forks the child, kills it with SIGKILL after `kill_after` confirmed commits,
// and returns every commit it confirmed (including those read after the kill).
std::vector<Record> commit_until_killed(const std::filesystem::path& dir, size_t kill_after) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    run_child(dir, fds[1]);
  }
  close(fds[1]);
  std::vector<Record> records;
  bool killed = false;
  Record r;
  for (;;) {
    ssize_t n = read(fds[0], &r, sizeof r);
    if (n == 0) break;  // the child is gone and the pipe drained
    if (n < 0 && errno == EINTR) continue;
    REQUIRE(n == static_cast<ssize_t>(sizeof r));
    records.push_back(r);
    if (!killed && records.size() >= kill_after) {
      kill(pid, SIGKILL);
      killed = true;
    }
  }
  close(fds[0]);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  INFO("child exit status " << status);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  return records;
}

}  // namespace

TEST_CASE("A process killed with SIGKILL loses no confirmed commit", "[store][crash]") {
  TempDir dir;
  std::vector<Record> confirmed;
  // Several lives on one store: each kill lands at a different point of the write path.
  for (size_t kill_after : {300u, 1000u, 50u}) {
    auto records = commit_until_killed(dir.path(), kill_after);
    REQUIRE(records.size() >= kill_after);
    confirmed.insert(confirmed.end(), records.begin(), records.end());

    StoreOptions options;
    options.dir = dir.path();
    std::string error;
    auto store = DeliveryStore::open(options, error);
    INFO(error);
    REQUIRE(store);
    size_t missing = 0, wrong = 0;
    for (const Record& rec : confirmed) {
      auto first = store->get(rec.first);
      auto second = store->get(rec.second);
      if (!first || !second) {
        ++missing;
        continue;
      }
      if (first->state != State::Pending || second->state != State::Pending || first->provider != "ns/slack" ||
          second->provider != "ns/github" || first->event_id != second->event_id ||
          !store->event_json(first->event_id))
        ++wrong;
    }
    CHECK(missing == 0);
    CHECK(wrong == 0);
    // Everything confirmed is due again after the restart.
    auto unfinished = store->load_unfinished();
    CHECK(unfinished.size() >= 2 * confirmed.size());
    CHECK(store->counts().pending == static_cast<int64_t>(unfinished.size()));
  }
}
