// Counting HTTP/1.1 sink for the benchmarks: one thread, epoll, keep-alive,
// answers every POST with 204. It finds the send timestamps the load
// generators embed in each event ("bench-ts=<unix µs>") and records
// latency = arrival - send, so intake→sink latency is measured where the
// event lands, whatever carried it (herald, Alertmanager, wrk directly).
//
//   bench-sink PORT [MAX_SECONDS]
//   GET /stats  -> JSON counts and latency percentiles since the last reset
//   GET /reset  -> clears the counters
// Exits by itself after MAX_SECONDS (default 900) so it can never be left behind.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

int64_t now_us() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

struct Stats {
    uint64_t requests = 0;  // POSTs
    uint64_t events = 0;    // distinct bench-ts markers
    uint64_t conns = 0;     // connections that carried a POST
    int64_t first_us = 0, last_us = 0;
    std::vector<int64_t> latency_us;
};

struct Conn {
    std::string in;
    std::string out;
    bool counted = false;
};

Stats stats;

bool iequal_prefix(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
    return true;
}

// Every distinct "bench-ts=<digits>" token in the body is one event. An
// Alertmanager payload repeats an alert's labels (groupLabels, commonLabels,
// groupKey), so the same token is counted once. The token is
// "bench-ts=<send µs>-<sender>-<n>"; the digits up to '-' are the send time.
void record_events(std::string_view body, int64_t arrival) {
    static const std::string_view marker = "bench-ts=";
    std::vector<std::string_view> seen;
    size_t pos = 0;
    while ((pos = body.find(marker, pos)) != std::string_view::npos) {
        size_t start = pos + marker.size(), end = start;
        while (end < body.size() && (std::isdigit(static_cast<unsigned char>(body[end])) || body[end] == '-')) ++end;
        std::string_view token = body.substr(start, end - start);
        pos = end;
        if (token.empty() || std::find(seen.begin(), seen.end(), token) != seen.end()) continue;
        seen.push_back(token);
        int64_t sent = std::strtoll(std::string(token.substr(0, token.find('-'))).c_str(), nullptr, 10);
        ++stats.events;
        if (sent > 0) stats.latency_us.push_back(arrival - sent);
    }
}

int64_t percentile(std::vector<int64_t>& sorted, double p) {
    if (sorted.empty()) return -1;
    size_t i = std::min(sorted.size() - 1, size_t(p * double(sorted.size())));
    return sorted[i];
}

std::string stats_json() {
    std::vector<int64_t> lat = stats.latency_us;
    std::sort(lat.begin(), lat.end());
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "{\"requests\":%llu,\"events\":%llu,\"conns\":%llu,\"first_us\":%lld,\"last_us\":%lld,"
                  "\"lat_n\":%zu,\"p50_us\":%lld,\"p90_us\":%lld,\"p99_us\":%lld,\"max_us\":%lld}\n",
                  (unsigned long long)stats.requests, (unsigned long long)stats.events,
                  (unsigned long long)stats.conns, (long long)stats.first_us, (long long)stats.last_us, lat.size(),
                  (long long)percentile(lat, 0.5), (long long)percentile(lat, 0.9),
                  (long long)percentile(lat, 0.99), (long long)(lat.empty() ? -1 : lat.back()));
    return buf;
}

// Parses as many complete requests as `c.in` holds and queues their answers.
// Returns false on a malformed request (the connection is then closed).
bool serve_requests(Conn& c) {
    size_t consumed = 0;
    for (;;) {
        std::string_view in(c.in);
        in.remove_prefix(consumed);
        size_t head_end = in.find("\r\n\r\n");
        if (head_end == std::string_view::npos) break;
        std::string_view head = in.substr(0, head_end);
        size_t content_length = 0;
        bool chunked = false, close = false;
        size_t line = head.find("\r\n");
        while (line != std::string_view::npos) {
            size_t next = head.find("\r\n", line + 2);
            std::string_view h = head.substr(line + 2, next == std::string_view::npos ? std::string_view::npos : next - line - 2);
            if (iequal_prefix(h, "content-length:")) content_length = std::strtoul(std::string(h.substr(15)).c_str(), nullptr, 10);
            else if (iequal_prefix(h, "transfer-encoding:") && h.find("chunked") != std::string_view::npos) chunked = true;
            else if (iequal_prefix(h, "connection:") && h.find("close") != std::string_view::npos) close = true;
            line = next;
        }
        std::string_view body;
        size_t total = head_end + 4;
        std::string dechunked;
        if (chunked) {  // small decoder: enough for clients that stream bodies
            size_t p = total;
            bool complete = false;
            for (;;) {
                size_t eol = in.find("\r\n", p);
                if (eol == std::string_view::npos) break;
                size_t n = std::strtoul(std::string(in.substr(p, eol - p)).c_str(), nullptr, 16);
                if (in.size() < eol + 2 + n + 2) break;
                dechunked.append(in.substr(eol + 2, n));
                p = eol + 2 + n + 2;
                if (n == 0) {
                    complete = true;
                    break;
                }
            }
            if (!complete) break;
            total = p;
            body = dechunked;
        } else {
            if (in.size() < total + content_length) break;
            body = in.substr(total, content_length);
            total += content_length;
        }
        bool is_get = head.substr(0, 4) == "GET ";
        if (is_get) {
            std::string answer;
            if (head.substr(4, 6) == "/reset") {
                stats = Stats{};
                stats.latency_us.reserve(1 << 20);
                answer = "{}\n";
            } else {
                answer = stats_json();
            }
            c.out += "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                     std::to_string(answer.size()) + "\r\n\r\n" + answer;
        } else {
            int64_t arrival = now_us();
            if (!c.counted) {
                c.counted = true;
                ++stats.conns;
            }
            if (stats.requests == 0) stats.first_us = arrival;
            stats.last_us = arrival;
            ++stats.requests;
            record_events(body, arrival);
            c.out += close ? "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n" : "HTTP/1.1 204 No Content\r\n\r\n";
        }
        consumed += total;
        if (close) {
            c.in.clear();
            return false;
        }
    }
    c.in.erase(0, consumed);
    return true;
}

bool flush(int fd, Conn& c) {
    while (!c.out.empty()) {
        ssize_t n = ::send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
        c.out.erase(0, size_t(n));
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench-sink PORT [MAX_SECONDS]\n");
        return 2;
    }
    int port = std::atoi(argv[1]);
    int max_seconds = argc > 2 ? std::atoi(argv[2]) : 900;
    stats.latency_us.reserve(1 << 20);

    int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(uint16_t(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(lfd, 4096) != 0) {
        std::perror("bench-sink: bind/listen");
        return 1;
    }
    int ep = epoll_create1(0);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = lfd;
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    std::unordered_map<int, Conn> conns;
    std::vector<epoll_event> events(256);
    std::vector<char> buf(1 << 16);
    const int64_t deadline = now_us() + int64_t(max_seconds) * 1000000;
    std::printf("bench-sink listening on 127.0.0.1:%d\n", port);
    std::fflush(stdout);

    while (now_us() < deadline) {
        int n = epoll_wait(ep, events.data(), int(events.size()), 1000);
        for (int i = 0; i < n; ++i) {
            int fd = events[size_t(i)].data.fd;
            if (fd == lfd) {
                for (;;) {
                    int cfd = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK);
                    if (cfd < 0) break;
                    setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    epoll_event cev{};
                    cev.events = EPOLLIN | EPOLLRDHUP;
                    cev.data.fd = cfd;
                    epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &cev);
                    conns[cfd];
                }
                continue;
            }
            Conn& c = conns[fd];
            bool keep = true;
            for (;;) {
                ssize_t r = ::recv(fd, buf.data(), buf.size(), 0);
                if (r > 0) {
                    c.in.append(buf.data(), size_t(r));
                    continue;
                }
                if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) keep = false;
                break;
            }
            bool ok = serve_requests(c);
            bool flushed = flush(fd, c);
            if (!ok || !flushed || !keep || !c.out.empty()) {
                // Loopback answers are tiny; a socket that cannot take one is closed.
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
                ::close(fd);
                conns.erase(fd);
            }
        }
    }
    return 0;
}
