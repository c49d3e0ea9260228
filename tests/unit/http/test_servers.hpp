// Real servers on 127.0.0.1 for the client tests: a scripted HTTP/1.1 server
// (raw sockets, so framing and connection handling are under test control),
// a forwarding proxy (absolute-form and CONNECT), and an HTTPS server with a
// CA generated for the test run.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace herald::http::testing {

struct RecordedRequest {
    std::string head;  // request line and headers, up to and including the blank line
    std::string body;
};

// Accept loop plus one thread per connection; stops and joins in the destructor.
class SocketServer {
 public:
    SocketServer();
    virtual ~SocketServer();
    uint16_t port() const { return port_; }
    int connections_accepted() const { return accepted_.load(); }

 protected:
    void start();
    void stop();
    virtual void serve(int fd) = 0;

 private:
    void accept_loop();
    int listen_fd_ = -1;
    uint16_t port_ = 0;
    std::atomic<int> accepted_{0};
    std::atomic<bool> stopping_{false};
    std::thread acceptor_;
    std::mutex mutex_;
    std::vector<int> open_fds_;
    std::vector<std::thread> workers_;
};

// Reads a request head and its Content-Length body from fd; buffer keeps any
// bytes read past it. False on EOF or error.
bool read_request(int fd, std::string& buffer, RecordedRequest& out);
bool write_all(int fd, const std::string& bytes);

class ScriptedServer : public SocketServer {
 public:
    enum class Action { Respond, RespondThenClose, Hang, CloseWithoutAnswer };
    struct Reply {
        Action action = Action::Respond;
        std::string bytes;
    };
    // index = 0-based count of requests served on this connection.
    using Script = std::function<Reply(const RecordedRequest&, int index)>;

    explicit ScriptedServer(Script script);
    ~ScriptedServer() override;
    std::vector<RecordedRequest> requests() const;

 private:
    void serve(int fd) override;
    Script script_;
    mutable std::mutex record_mutex_;
    std::vector<RecordedRequest> requests_;
};

// "HTTP/1.1 <status> X\r\nContent-Length: n\r\n<extra>\r\n<body>"
std::string http_response(int status, const std::string& body, const std::string& extra_headers = "");

// Forwards every target to 127.0.0.1:<target port>, whatever the host name,
// so tests can use names that do not resolve.
class ForwardProxy : public SocketServer {
 public:
    explicit ForwardProxy(std::string required_authorization = "");
    ~ForwardProxy() override;
    std::vector<std::string> request_lines() const;  // first line of each proxied connection
    std::vector<std::string> authorizations() const;  // Proxy-Authorization values seen

 private:
    void serve(int fd) override;
    std::string required_;
    mutable std::mutex record_mutex_;
    std::vector<std::string> lines_;
    std::vector<std::string> auths_;
};

// A private CA, a server certificate for 127.0.0.1/localhost, a server
// certificate for another name, a client certificate, and an unrelated CA,
// generated with the openssl command line in a temporary directory.
struct TestPki {
    std::string dir;
    std::string ca_pem, other_ca_pem;
    std::string server_cert_file, server_key_file;
    std::string wrong_host_cert_file, wrong_host_key_file;
    std::string client_cert_pem, client_key_pem;
    std::string ca_file;
    static const TestPki& get();  // generated once per test run
};

// Poco HTTPS server answering 200 "secure <uri>" (optionally requiring a client certificate).
class HttpsServer {
 public:
    HttpsServer(const std::string& cert_file, const std::string& key_file, const std::string& client_ca_file = "");
    ~HttpsServer();
    uint16_t port() const;
    int connections_accepted() const;

 private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

std::string read_file(const std::string& path);

}  // namespace herald::http::testing
