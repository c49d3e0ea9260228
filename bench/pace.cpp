// Fixed-rate load generator: sends unique events at a steady rate over
// kept-alive connections (wrk has no fixed-rate mode). Each body carries
// "bench-ts=<send unix µs>-<conn>-<n>" so the sink can measure intake→sink
// latency and so herald's duplicate filter never drops an event.
//
//   bench-pace PORT RATE SECONDS CONNS flux|am
// Prints one JSON line: sent, ok (2xx), other statuses, errors, seconds.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

namespace {

int64_t now_us() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

std::atomic<uint64_t> sent{0}, ok{0}, other{0}, errors{0};

std::string flux_body(const std::string& token) {
    return R"({"involvedObject":{"kind":"Kustomization","namespace":"flux-system","name":"apps",)"
           R"("uid":"7d0cdc51-ddcf-4743-b223-83ca5c699632","apiVersion":"kustomize.toolkit.fluxcd.io/v1",)"
           R"("resourceVersion":"12345"},"severity":"info","timestamp":"2024-01-01T00:00:00Z",)"
           R"("message":"Service/default/podinfo configured bench-ts=)" + token +
           R"(","reason":"ReconciliationSucceeded","metadata":{"revision":"main@sha1:3b7bd1ff2d5f6ff6e4c2c1bbff56d6b7e8e1a2c3",)"
           R"("summary":"prod cluster"},"reportingController":"kustomize-controller",)"
           R"("reportingInstance":"kustomize-controller-7f5d6c9b8-x2x4z"})";
}

std::string am_body(const std::string& token) {
    return R"([{"labels":{"alertname":"Bench","severity":"info","id":"bench-ts=)" + token +
           R"("},"annotations":{"summary":"Kustomization/flux-system/apps reconciled"}}])";
}

int connect_to(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(uint16_t(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

// Reads one response; returns its status, or -1 when the connection broke.
int read_response(int fd, std::string& buf) {
    for (;;) {
        size_t head_end = buf.find("\r\n\r\n");
        if (head_end != std::string::npos) {
            int status = std::atoi(buf.c_str() + 9);
            size_t length = 0;
            for (size_t p = buf.find("\r\n"); p < head_end; p = buf.find("\r\n", p + 2)) {
                if (strncasecmp(buf.c_str() + p + 2, "content-length:", 15) == 0)
                    length = std::strtoul(buf.c_str() + p + 17, nullptr, 10);
            }
            if (buf.size() >= head_end + 4 + length) {
                buf.erase(0, head_end + 4 + length);
                return status;
            }
        }
        char chunk[4096];
        ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return -1;
        buf.append(chunk, size_t(n));
    }
}

void run_connection(int port, double rate_per_conn, int64_t start_us, int64_t end_us, int conn_no, bool am) {
    const std::string path = am ? "/api/v2/alerts" : "/";
    const double interval_us = 1e6 / rate_per_conn;
    int fd = -1;
    std::string buf;
    for (uint64_t n = 0;; ++n) {
        int64_t due = start_us + int64_t(double(n) * interval_us) + conn_no * 37;
        if (due >= end_us) break;
        int64_t wait = due - now_us();
        if (wait > 0) std::this_thread::sleep_for(std::chrono::microseconds(wait));
        if (fd < 0 && (fd = connect_to(port)) < 0) {
            ++errors;
            continue;
        }
        std::string token = std::to_string(now_us()) + "-" + std::to_string(conn_no) + "-" + std::to_string(n);
        std::string body = am ? am_body(token) : flux_body(token);
        std::string req = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                          "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
        ++sent;
        if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != ssize_t(req.size())) {
            ++errors;
            ::close(fd);
            fd = -1;
            buf.clear();
            continue;
        }
        int status = read_response(fd, buf);
        if (status < 0) {
            ++errors;
            ::close(fd);
            fd = -1;
            buf.clear();
        } else if (status >= 200 && status < 300) {
            ++ok;
        } else {
            ++other;
        }
    }
    if (fd >= 0) ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 6) {
        std::fprintf(stderr, "usage: bench-pace PORT RATE SECONDS CONNS flux|am\n");
        return 2;
    }
    int port = std::atoi(argv[1]);
    double rate = std::atof(argv[2]);
    double seconds = std::atof(argv[3]);
    int conns = std::max(1, std::atoi(argv[4]));
    bool am = std::string(argv[5]) == "am";
    int64_t start = now_us() + 10000;
    int64_t end = start + int64_t(seconds * 1e6);
    std::vector<std::thread> threads;
    for (int i = 0; i < conns; ++i)
        threads.emplace_back(run_connection, port, rate / conns, start, end, i, am);
    for (auto& t : threads) t.join();
    double took = double(now_us() - start) / 1e6;
    std::printf("{\"sent\":%llu,\"ok\":%llu,\"other\":%llu,\"errors\":%llu,\"seconds\":%.3f}\n",
                (unsigned long long)sent.load(), (unsigned long long)ok.load(), (unsigned long long)other.load(),
                (unsigned long long)errors.load(), took);
    return 0;
}
